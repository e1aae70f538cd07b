// The inbox column (templates/desktop/_inbox.html): fetched into #inbox on pages that did not render it,
// refreshed (debounced) on the live events that concern this agent, offers answered and presence set
// through the JSON API. The server renders every row (escaped); this script only swaps fragments in.
import { ApiError, api, live, refreshFragment, toast } from "/static/omniline.js";

const REFRESH_DELAY_MS = 150;
const SAFETY_REFRESH_MS = 60000; // in case an event was missed while the socket reconnected
const CONVERSATION_PATH = /^\/desktop\/conversations\/([0-9a-f-]{36})/i;

const aside = document.getElementById("inbox");
const me = document.body.dataset.userId;
const baseTitle = document.title;
const language = document.documentElement.lang || "en";
const relative = new Intl.RelativeTimeFormat(language, { numeric: "auto", style: "short" });

let knownOffers = null; // offer ids already shown: the ones not in it get highlighted
let timer = null;
let loading = false;
let again = false;
let presenceChosen = false; // the agent just picked a state: show it even though the menu has the focus

// Strings rendered (translated) into the fragment's own JSON block; read afresh after every swap.
function say(key) {
  const block = aside.querySelector("#inbox-i18n");
  const strings = block ? JSON.parse(block.textContent) : {};
  return strings[key] || key;
}

function openConversationId() {
  if (aside.dataset.openConversation) return aside.dataset.openConversation;
  const match = CONVERSATION_PATH.exec(location.pathname);
  return match ? match[1] : "";
}

function fragmentUrl() {
  const open = openConversationId();
  return (aside.dataset.src || "/desktop/inbox") + (open ? `?open=${encodeURIComponent(open)}` : "");
}

// After each render: the title counts pending offers; offers not seen before flash once.
function afterRender() {
  const offers = [...aside.querySelectorAll(".inbox-offer[data-offer-id]")];
  const count = offers.length;
  document.title = count ? `(${count}) ${baseTitle}` : baseTitle;
  const ids = new Set(offers.map((item) => item.dataset.offerId));
  if (knownOffers !== null) {
    for (const item of offers) if (!knownOffers.has(item.dataset.offerId)) item.classList.add("is-new");
  }
  knownOffers = ids;
  tickClocks();
}

// A state chosen while the page was still loading fired its change event before this script listened:
// the menu shows the choice, the server does not have it. Send it now. (The menu has
// autocomplete="off", so a browser restoring form values on reload does not make a choice here.)
function applyEarlyPresenceChoice() {
  const menu = aside.querySelector("select[data-presence-switch]");
  const rendered = menu && [...menu.options].find((option) => option.defaultSelected);
  if (menu && rendered && menu.value !== rendered.value) setPresence(menu.value);
}

async function refresh() {
  if (loading) { again = true; return; }
  // Swapping the list under an open presence menu would close it: wait until the agent leaves it
  // (unless the agent just chose from it: then the new state is what they are waiting to see).
  const active = document.activeElement;
  if (!presenceChosen && active && active.tagName === "SELECT" && aside.contains(active)) {
    active.addEventListener("blur", () => scheduleRefresh(), { once: true });
    return;
  }
  loading = true;
  presenceChosen = false;
  try {
    await refreshFragment(aside, fragmentUrl());
    afterRender();
  } catch (error) {
    console.warn("inbox refresh failed", error);
  } finally {
    loading = false;
    if (again) { again = false; scheduleRefresh(); }
  }
}

function scheduleRefresh() {
  clearTimeout(timer);
  timer = setTimeout(refresh, REFRESH_DELAY_MS);
}

// Which live events touch this agent's inbox: the ones addressed to them, and those about a case or
// conversation already in the list (other agents' traffic is ignored, so a busy tenant stays quiet).
function shown(attribute, value) {
  return Boolean(value) && aside.querySelector(`[data-${attribute}="${CSS.escape(String(value))}"]`) !== null;
}

function concernsMe(event) {
  const data = event.data || {};
  switch (event.type) {
    case "task.offered":
    case "task.offer_ended":
      return !data.for_user_id || data.for_user_id === me;
    case "task.assigned":
      return data.user_id === me || shown("task-id", data.task && data.task.id);
    case "agent.presence":
      return data.user_id === me;
    case "message.received":
    case "message.sent": {
      const message = data.message || {};
      return shown("conversation-id", message.conversation_id) || shown("case-id", message.case_id);
    }
    case "case.updated":
      return shown("case-id", data.case && data.case.id);
    case "case.routed":
      return shown("case-id", data.case_id) || shown("task-id", data.task && data.task.id);
    default: // sla.warning, sla.breached, case.escalated
      return shown("case-id", data.case_id);
  }
}

const LIVE_TYPES = [
  "task.offered", "task.assigned", "task.offer_ended", "case.updated", "case.routed", "message.received",
  "message.sent", "sla.warning", "sla.breached", "case.escalated", "agent.presence",
];

function showError(error, goneMessage) {
  if (goneMessage && error instanceof ApiError && (error.status === 404 || error.status === 409)) {
    toast(say(goneMessage), "error");
  } else {
    toast(`${say("failed")} ${error.message}`, "error");
  }
}

async function answerOffer(button) {
  const item = button.closest(".inbox-offer");
  const action = button.dataset.offerAction;
  for (const each of item.querySelectorAll("button")) each.disabled = true;
  try {
    const task = await api("POST", `/api/v1/offers/${item.dataset.offerId}/${action}`);
    if (action === "accept") {
      location.assign(task.kind === "conversation" && task.conversation_id
        ? `/desktop/conversations/${task.conversation_id}`
        : `/desktop/customers/${task.customer_id}`);
      return;
    }
  } catch (error) {
    showError(error, "offer_gone");
  }
  scheduleRefresh();
}

async function setPresence(value) {
  const [state, ...reason] = value.split(":");
  try {
    await api("PUT", "/api/v1/agents/me/presence", { state, reason: reason.length ? reason.join(":") : null });
  } catch (error) {
    if (state === "offline" && error instanceof ApiError && error.status === 409) {
      toast(say("offline_with_work"), "error");
    } else {
      showError(error);
    }
  }
  presenceChosen = true;
  scheduleRefresh();
}

// Clocks: time in the current presence as a stopwatch; "5 min ago" for the customer's last message;
// an offer past its time can no longer be accepted (the routing job will take it back).
function stopwatch(ms) {
  let seconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes)}:${pad(seconds - minutes * 60)}` : `${minutes}:${pad(seconds - minutes * 60)}`;
}

function ago(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000)); // a sender's clock ahead of ours reads as "now"
  if (seconds < 60) return relative.format(-seconds, "second");
  if (seconds < 3600) return relative.format(-Math.floor(seconds / 60), "minute");
  if (seconds < 86400) return relative.format(-Math.floor(seconds / 3600), "hour");
  return relative.format(-Math.floor(seconds / 86400), "day");
}

function setText(element, value) {
  if (element.textContent !== value) element.textContent = value;
}

function tickClocks() {
  const now = Date.now();
  for (const element of aside.querySelectorAll(".elapsed[data-since]")) {
    setText(element, stopwatch(now - Date.parse(element.dataset.since)));
  }
  for (const element of aside.querySelectorAll(".inbox-ago[data-since]")) {
    setText(element, ago(now - Date.parse(element.dataset.since)));
  }
  let expired = false;
  for (const item of aside.querySelectorAll(".inbox-offer:not(.is-expired)")) {
    const deadline = item.querySelector(".sla-countdown[data-deadline]");
    if (deadline && Date.parse(deadline.dataset.deadline) <= now) {
      item.classList.add("is-expired");
      for (const button of item.querySelectorAll("button")) button.disabled = true;
      expired = true;
    }
  }
  if (expired) scheduleRefresh();
}

if (aside) {
  aside.addEventListener("click", (event) => {
    const offerButton = event.target.closest("button[data-offer-action]");
    if (offerButton) { answerOffer(offerButton); return; }
    const presenceButton = event.target.closest("button[data-presence-set]");
    if (presenceButton) { presenceButton.disabled = true; setPresence(presenceButton.dataset.presenceSet); }
  });
  aside.addEventListener("change", (event) => {
    if (event.target.matches("select[data-presence-switch]")) setPresence(event.target.value);
  });
  for (const type of LIVE_TYPES) live.on(type, (event) => { if (concernsMe(event)) scheduleRefresh(); });
  let greeted = false;
  live.on("hello", () => { if (greeted) scheduleRefresh(); greeted = true; }); // back after a drop
  setInterval(tickClocks, 1000);
  setInterval(scheduleRefresh, SAFETY_REFRESH_MS);
  if (aside.children.length === 0) {
    refresh();
  } else {
    afterRender();
    applyEarlyPresenceChoice();
  }
}
