// The customer panel: the desktop's right column. A page names the customer by putting
//   data-src="/desktop/customers/{id}/panel" on <aside id="customer-panel">
// (set or change the attribute at any time; the panel follows). The panel refreshes itself when the
// live feed says something happened to this customer, and loads older timeline entries in place.
// Every byte of HTML here comes from our own templates (escaped server-side).
import { live, refreshFragment } from "/static/omniline.js";

const panel = document.getElementById("customer-panel");
const REFRESH_DELAY_MS = 250; // a reply brings message.sent and case.updated at once: one refresh

function shown() {
  return panel?.querySelector(".customer-panel") || null;
}

function concerns(event) {
  const current = shown();
  if (!current) return false;
  const id = current.dataset.customerId;
  const data = event.data || {};
  switch (event.type) {
    case "message.received":
    case "message.sent":
      return data.message?.customer_id === id;
    case "case.updated":
      return data.case?.customer_id === id;
    case "case.routed":
      return (current.dataset.caseIds || "").split(" ").includes(data.case_id);
    case "customer.merged":
    case "customer.unmerged":
      return data.survivor_id === id || data.merged_id === id;
    default:
      return false;
  }
}

const EVENT_TYPES = ["message.received", "message.sent", "case.updated", "case.routed", "customer.merged", "customer.unmerged"];
let timer = null;
let listening = false;

// The live feed only once a customer is shown (the desktop's start page has none).
function listen() {
  if (listening) return;
  listening = true;
  const maybeRefresh = (event) => {
    if (concerns(event)) refreshSoon();
  };
  for (const type of EVENT_TYPES) live.on(type, maybeRefresh);
}

function load() {
  if (!panel?.dataset.src) return;
  listen();
  return refreshFragment(panel, panel.dataset.src);
}

function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(load, REFRESH_DELAY_MS);
}

// Older entries: the "more" link's fragment replaces the link (its items and, if any, the next link).
async function loadOlder(link) {
  const item = link.closest("li");
  link.setAttribute("aria-busy", "true");
  const response = await fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) {
    link.removeAttribute("aria-busy");
    return;
  }
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  item.replaceWith(template.content);
}

function toggleText(button) {
  const text = button.previousElementSibling;
  const open = text.classList.toggle("open");
  button.setAttribute("aria-expanded", String(open));
  button.textContent = open ? button.dataset.less : button.dataset.more;
}

if (panel) {
  panel.addEventListener("click", (event) => {
    const more = event.target.closest("a.tl-more");
    if (more) {
      event.preventDefault();
      loadOlder(more);
      return;
    }
    const toggle = event.target.closest("button.tl-toggle");
    if (toggle) toggleText(toggle);
  });
  new MutationObserver(() => load()).observe(panel, { attributes: true, attributeFilter: ["data-src"] });
  // Another script on the page changed the customer (an edit, a merge): show it now.
  document.addEventListener("omniline:customer-changed", () => load());
  if (panel.dataset.src) {
    if (shown()) listen(); // rendered with the page: only keep it current
    else load();
  }
}
