// The conversation view: live messages and delivery states, the reply box (Ctrl+Enter, files),
// "write on another channel", and the case actions (topic, wrap-up, transfer, resolve/reopen, link).
// Customer text enters the page only as text nodes (text()); HTML comes only from our own fragments.
import { api, live, t, text, tickCountdowns, toast } from "/static/omniline.js";

const root = document.getElementById("conversation");
const conversationId = root.dataset.conversationId;
const customerId = root.dataset.customerId;
const base = `/desktop/conversations/${conversationId}`;
const log = document.getElementById("conv-log");
const bubbles = document.getElementById("bubbles");
const casePart = document.getElementById("conv-case");
const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || "en", {
  dateStyle: "short",
  timeStyle: "short",
  timeZone: root.dataset.timezone || "UTC",
});

function caseId() {
  return root.dataset.caseId || "";
}

function scrollToEnd(element) {
  log.scrollTop = log.scrollHeight;
  if (element) element.scrollIntoView({ block: "end" });
}

function shown(messageId) {
  return bubbles.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`) !== null;
}

// Our own server-rendered HTML (escaped by the templates) as nodes.
async function fragment(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  return template.content;
}

function element(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

// ---- bubbles built from a message's JSON (the live feed and the API's answers) ----

function deliveryLine(delivery) {
  const state = delivery.status === "failed" ? "failed" : delivery.status === "sent" ? "sent" : "pending";
  const line = element("div", `bubble-delivery delivery-${state}`, text(t(state)));
  line.dataset.deliveryId = delivery.id;
  line.dataset.state = state;
  if (state === "failed") {
    if (delivery.last_error) line.append(text(": "), element("span", "delivery-error", text(delivery.last_error)));
    const retry = element("button", "link-button", text(t("retry")));
    retry.type = "button";
    retry.dataset.retry = delivery.id;
    line.append(text(" "), retry);
  }
  return line;
}

function buildBubble(message) {
  const outbound = message.direction === "out";
  const item = element("li", `bubble ${outbound ? "bubble-out" : "bubble-in"}${message.event ? " bubble-event" : ""}`);
  item.dataset.messageId = message.id;
  item.dataset.subject = message.subject || "";
  const meta = element("div", "bubble-meta");
  const icon = document.querySelector(".conv-title .channel-icon");
  if (icon) meta.append(icon.cloneNode(true), text(" "));
  const sender = message.sender && message.sender.name ? message.sender.name : t(outbound ? "out" : "in");
  const time = element("time", "bubble-time", text(timeFormat.format(new Date(message.sent_at))));
  time.dateTime = message.sent_at;
  meta.append(element("span", "bubble-sender", text(sender)), text(" "), time);
  if (message.event) meta.append(text(" "), element("span", "badge bubble-event-name", text(message.event)));
  item.append(meta);
  if (message.subject) item.append(element("div", "bubble-subject", text(message.subject)));
  if (message.text) item.append(element("div", "bubble-text", text(message.text)));
  if (message.attachments && message.attachments.length) {
    const list = element("ul", "bubble-files");
    message.attachments.forEach((file, index) => {
      const link = element("a", "", text(file.filename));
      link.href = `/api/v1/messages/${message.id}/attachments/${index}`;
      link.setAttribute("download", "");
      const size = element("span", "muted", text(` ${(file.size / 1024).toFixed(1)} KB`));
      list.append(element("li", "", link, size));
    });
    item.append(list);
  }
  if (outbound) item.append(deliveryLine(message.delivery || { id: "", status: "pending" }));
  return item;
}

function showMessage(message) {
  if (!message || message.conversation_id !== conversationId || shown(message.id)) return;
  document.getElementById("conv-empty")?.remove();
  const bubble = buildBubble(message);
  bubbles.append(bubble);
  scrollToEnd(bubble);
  if (message.case_id && message.case_id !== caseId()) {
    root.dataset.caseId = message.case_id;  // the message opened or reopened a case: show it
    refreshCase();
  }
}

async function refreshBubble(messageId) {
  const current = bubbles.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
  if (!current) return;
  try {
    const nodes = await fragment(`${base}/messages/${messageId}`);
    const fresh = nodes.querySelector(".bubble");
    if (fresh) current.replaceWith(fresh);
  } catch (error) {
    console.warn("could not refresh the message", error);
  }
}

// ---- the case header and actions ----

let caseRefresh = null;
function refreshCase() {
  clearTimeout(caseRefresh);  // several events for one change (case.updated, case.routed) make one fetch
  caseRefresh = setTimeout(async () => {
    const open = [...casePart.querySelectorAll("details[open]")].map((item) => item.id);
    try {
      casePart.replaceChildren(await fragment(`${base}/case`));
    } catch (error) {
      console.warn("could not refresh the case", error);
      return;
    }
    for (const id of open) document.getElementById(id)?.setAttribute("open", "");
    const head = document.getElementById("conv-head");
    if (head && head.dataset.caseId) root.dataset.caseId = head.dataset.caseId;
    tickCountdowns(casePart);
  }, 120);
}

function caseOf(data) {
  return (data.case && data.case.id) || data.case_id || (data.task && data.task.case_id) || "";
}

async function act(button, request, done) {
  if (button) button.disabled = true;
  try {
    const answer = await request();
    if (done) toast(t(done), "ok");
    refreshCase();
    return answer;
  } catch (error) {
    toast(error.message, "error");
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

casePart.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-case-action]");
  if (!button || !caseId()) return;
  const action = button.dataset.caseAction;
  act(button, () => api("POST", `/api/v1/cases/${caseId()}/${action}`), action === "resolve" ? "resolved" : "reopened");
});

const caseForms = {
  topic: (form) => [() => api("POST", `/api/v1/cases/${caseId()}/topic`, { topic: form.topic.value }), "topicSaved"],
  wrapup: (form) => [
    () =>
      api("POST", `/api/v1/cases/${caseId()}/wrap-up`, {
        resolution_code: form.resolution_code.value || null,
        note: form.note.value.trim() || null,
        resolve: form.resolve.checked && !form.resolve.disabled,
      }),
    "wrappedUp",
  ],
  transfer: (form) => {
    const [kind, ...rest] = form.handover.value.split(":");
    const body = { [kind]: rest.join(":"), note: form.note.value.trim() || null };
    return [() => api("POST", `/api/v1/tasks/${form.dataset.taskId}/transfer`, body), "transferred"];
  },
  link: (form) => [
    async () => {
      const answer = await api("POST", `/api/v1/conversations/${conversationId}/case`, { case_id: form.case_id.value });
      root.dataset.caseId = answer.case_id;
      return answer;
    },
    "linked",
  ],
};

casePart.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-form]");
  if (!form) return;
  event.preventDefault();
  if (form.dataset.form === "transfer" && !form.handover.value) {
    toast(t("pickTarget"), "error");
    return;
  }
  const [request, done] = caseForms[form.dataset.form](form);
  act(form.querySelector("button[type=submit]"), request, done);
});

// ---- the reply box ----

const replyForm = document.getElementById("reply-form");
const replyText = document.getElementById("reply-text");
const replyFiles = document.getElementById("reply-files");
const maxFileBytes = Number(replyForm.dataset.maxFileBytes || 0);

replyFiles.addEventListener("change", () => {
  const names = [...replyFiles.files].map((file) => file.name).join(", ");
  document.getElementById("reply-files-list").replaceChildren(text(names));
});

replyText.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    replyForm.requestSubmit();
  }
});

replyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const files = [...replyFiles.files];
  const value = replyText.value;
  if (!value.trim() && !files.length) {
    toast(t("empty"), "error");
    return;
  }
  if (maxFileBytes && files.some((file) => file.size > maxFileBytes)) {
    toast(t("tooLarge"), "error");
    return;
  }
  let body = { text: value };
  if (files.length) {
    body = new FormData();
    body.append("text", value);
    for (const file of files) body.append("files", file, file.name);
  }
  const button = document.getElementById("reply-send");
  button.disabled = true;
  try {
    const message = await api("POST", `/api/v1/conversations/${conversationId}/messages`, body);
    replyText.value = "";
    replyFiles.value = "";
    document.getElementById("reply-files-list").replaceChildren();
    showMessage(message);
    refreshCase();  // the first reply stops the first-response clock
  } catch (error) {
    toast(error.message, "error");
  } finally {
    button.disabled = false;
    replyText.focus();
  }
});

// ---- failed deliveries: retry; earlier messages ----

bubbles.addEventListener("click", async (event) => {
  const retry = event.target.closest("button[data-retry]");
  if (retry) {
    retry.disabled = true;
    try {
      await api("POST", `/api/v1/deliveries/${retry.dataset.retry}/retry`);
      toast(t("retried"), "ok");
      await refreshBubble(retry.closest(".bubble").dataset.messageId);
    } catch (error) {
      toast(error.message, "error");
      retry.disabled = false;
    }
    return;
  }
  const earlier = event.target.closest("button[data-earlier]");
  if (earlier) {
    earlier.disabled = true;
    const height = log.scrollHeight;
    try {
      const nodes = await fragment(`${base}/messages?before=${encodeURIComponent(earlier.dataset.earlier)}`);
      for (const item of nodes.querySelectorAll("[data-message-id]")) {
        if (shown(item.dataset.messageId)) item.remove();
      }
      earlier.closest("li").replaceWith(nodes);
      log.scrollTop += log.scrollHeight - height;  // keep the messages being read in place
    } catch (error) {
      toast(t("earlierFailed"), "error");
      earlier.disabled = false;
    }
  }
});

// ---- write on another channel ----

const outreach = document.getElementById("outreach-form");
if (outreach) {
  const kinds = JSON.parse(document.getElementById("address-kinds").textContent);
  const channel = outreach.channel_id;
  const identity = outreach.identity;
  const addressField = document.getElementById("outreach-address-field");
  const subjectField = document.getElementById("outreach-subject-field");

  const fit = () => {
    const kind = channel.selectedOptions[0]?.dataset.kind || "";
    const fitting = kinds[kind] || [];
    let first = null;
    for (const option of identity.options) {
      const usable = option.value === "" || fitting.includes(option.dataset.kind);
      option.hidden = !usable;
      option.disabled = !usable;
      if (usable && option.value && first === null) first = option;
    }
    if (identity.selectedOptions[0]?.disabled || (!identity.value && first)) identity.value = first ? first.value : "";
    addressField.hidden = identity.value !== "";
    subjectField.hidden = kind !== "email";
  };
  channel.addEventListener("change", fit);
  identity.addEventListener("change", fit);
  fit();

  outreach.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      channel_id: channel.value,
      to: identity.value || outreach.address.value.trim(),
      text: outreach.text.value,
      case_id: caseId() || null,
    };
    if (!subjectField.hidden && outreach.subject.value.trim()) body.subject = outreach.subject.value.trim();
    const button = outreach.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await api("POST", `/api/v1/customers/${customerId}/messages`, body);
      outreach.text.value = "";
      toast(t("sentToast"), "ok");
      const link = element("a", "", text(t("openNew")));
      link.href = `/desktop/conversations/${answer.conversation_id}`;
      document.getElementById("outreach-result").replaceChildren(link);
    } catch (error) {
      toast(error.message, "error");
    } finally {
      button.disabled = false;
    }
  });
}

// ---- the live feed ----

live.on("message.received", (event) => showMessage(event.data.message));
live.on("message.sent", (event) => showMessage(event.data.message));
live.on("delivery.updated", (event) => {
  const delivery = event.data.delivery;
  if (delivery && delivery.message_id && shown(delivery.message_id)) refreshBubble(delivery.message_id);
});
for (const type of ["case.updated", "case.routed", "sla.warning", "sla.breached", "case.escalated"]) {
  live.on(type, (event) => {
    if (caseId() && caseOf(event.data) === caseId()) refreshCase();
  });
}

scrollToEnd(bubbles.lastElementChild);
