// omniline's shared page helpers: the JSON API with the session's CSRF token, toasts, the live
// event socket, SLA countdowns and small form conveniences. Pages import what they need:
//   import { api, live, toast, t } from "/static/omniline.js";
// Customer text is only ever put into the page with textContent (see text()), never innerHTML.

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Call the JSON API with the session cookie; throws ApiError with the server's message on a 4xx/5xx.
export async function api(method, path, body) {
  const options = { method, headers: { "X-CSRF-Token": csrfToken, Accept: "application/json" }, credentials: "same-origin" };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const isJson = (response.headers.get("content-type") || "").includes("application/json");
  const payload = isJson ? await response.json() : await response.text();
  if (!response.ok) {
    const error = (isJson && payload && payload.error) || {};
    throw new ApiError(response.status, error.code || "http_error", error.message || `HTTP ${response.status}`);
  }
  return payload;
}

// Fetch a server-rendered fragment (HTML made by our templates, already escaped) and swap it in.
export async function refreshFragment(element, url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (response.redirected && new URL(response.url).pathname === "/login") {
    window.location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
    return;
  }
  if (!response.ok) return;
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  element.replaceChildren(template.content);
  tickCountdowns(element);
  document.dispatchEvent(new CustomEvent("omniline:fragment", { detail: { element } }));
}

// A text node: the one way customer text enters the page from a script.
export function text(value) {
  return document.createTextNode(value == null ? "" : String(value));
}

// Translations for scripts come from a JSON block the page renders: <script type="application/json" id="i18n">.
let strings = null;
export function t(key) {
  if (strings === null) {
    const block = document.getElementById("i18n");
    strings = block ? JSON.parse(block.textContent) : {};
  }
  return strings[key] || key;
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = document.createElement("div");
  item.className = `toast toast-${kind}`;
  item.append(text(message));
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

// The live feed: one WebSocket per page (the session cookie authenticates it), reconnecting with
// backoff; listeners get {type, data}. live.on("*", fn) hears everything.
class LiveFeed {
  constructor() {
    this.listeners = new Map();
    this.delay = 500;
    this.socket = null;
    this.connected = false;
  }
  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(listener);
    if (!this.socket) this.connect();
    return this;
  }
  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.socket = socket;
    socket.addEventListener("message", (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      if (event.type === "hello") {
        this.delay = 500;
        this.connected = true;
        document.body.dataset.live = "on";
      }
      for (const key of [event.type, "*"]) {
        for (const listener of this.listeners.get(key) || []) {
          try { listener(event); } catch (error) { console.error(error); }
        }
      }
    });
    socket.addEventListener("close", (closed) => {
      this.connected = false;
      document.body.dataset.live = "off";
      if (closed.code === 4401) {  // the session ended: back to the login page
        window.location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
        return;
      }
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    });
    const keepAlive = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
      if (socket.readyState === WebSocket.CLOSED) clearInterval(keepAlive);
    }, 25000);
  }
}
export const live = new LiveFeed();

// SLA countdowns: <time class="sla-countdown" data-deadline="ISO">; "12:30" left, "-3:05" overdue.
function formatLeft(ms) {
  const sign = ms < 0 ? "-" : "";
  let seconds = Math.floor(Math.abs(ms) / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${sign}${hours}:${pad(minutes)}:${pad(seconds)}` : `${sign}${minutes}:${pad(seconds)}`;
}
export function tickCountdowns(root = document) {
  const now = Date.now();
  for (const element of root.querySelectorAll(".sla-countdown[data-deadline]")) {
    const left = Date.parse(element.dataset.deadline) - now;
    element.textContent = formatLeft(left);
    element.classList.toggle("overdue", left < 0);
    element.classList.toggle("soon", left >= 0 && left < 5 * 60 * 1000);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  tickCountdowns();
  setInterval(tickCountdowns, 1000);
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
