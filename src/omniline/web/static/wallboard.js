// The supervisor wallboard: swaps in the server's board fragment on live events (at most once a
// second) and every 15 s anyway, ticks waiting times and times in state every second, and lets a
// supervisor change an agent's presence. Every number comes from the server; this script only
// replaces HTML our templates rendered (escaped) and counts seconds.
import { api, live, refreshFragment, t, toast } from "/static/omniline.js";

const board = document.getElementById("board");
const fragmentUrl = board.dataset.fragmentUrl;
const MIN_GAP_MS = 1000;
const EVERY_MS = 15000;
const STALE_MS = 45000;
const REFRESHING_EVENTS = ["task.", "case.", "sla.", "agent.presence", "message.received"];

let lastRefresh = Date.now();
let timer = null;
let running = false;
let pending = false;
let skew = 0; // server clock minus this browser's: the ticking follows the server's time

// A supervisor typing a pause reason must not lose it to a refresh: wait until they leave the form.
function editing() {
  const active = document.activeElement;
  return Boolean(active && board.contains(active) && active.closest(".presence-form"));
}

function schedule() {
  if (timer !== null) return;
  timer = setTimeout(refresh, Math.max(0, lastRefresh + MIN_GAP_MS - Date.now()));
}

async function refresh() {
  timer = null;
  if (running || editing()) {
    pending = true;
    return;
  }
  running = true;
  lastRefresh = Date.now();
  // someone reading a chart's numbers keeps them open across refreshes
  const opened = [...board.querySelectorAll("details[open][id]")].map((details) => details.id);
  try {
    await refreshFragment(board, fragmentUrl);
    for (const id of opened) {
      const details = document.getElementById(id);
      if (details) details.open = true;
    }
    board.dataset.updatedAt = String(Date.now());
    readServerTime();
  } catch (error) {
    console.warn("wallboard refresh failed", error);
  } finally {
    running = false;
  }
  tick();
  if (pending) {
    pending = false;
    schedule();
  }
}

function readServerTime() {
  const stamp = board.querySelector(".updated time[datetime]");
  const at = stamp ? Date.parse(stamp.getAttribute("datetime")) : NaN;
  if (!Number.isNaN(at)) skew = at - Date.now();
}

function format(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${pad(minutes)}:${pad(seconds % 60)}` : `${minutes}:${pad(seconds % 60)}`;
}

function tick() {
  const now = Date.now() + skew;
  for (const element of board.querySelectorAll("time.ticker[data-since]")) {
    const since = Date.parse(element.dataset.since);
    if (!Number.isNaN(since)) element.textContent = format(Math.max(0, Math.floor((now - since) / 1000)));
  }
  const updated = Number(board.dataset.updatedAt || Date.now());
  board.classList.toggle("stale", Date.now() - updated > STALE_MS);
}

live.on("*", (event) => {
  if (event.type === "hello" || REFRESHING_EVENTS.some((prefix) => event.type.startsWith(prefix))) schedule();
});
board.addEventListener("focusout", () => {
  setTimeout(() => {
    if (pending && !editing()) {
      pending = false;
      schedule();
    }
  }, 0);
});

board.addEventListener("submit", async (event) => {
  const form = event.target.closest(".presence-form");
  if (!form) return;
  event.preventDefault();
  const state = form.elements.state.value;
  if (!state) return;
  const reason = form.elements.reason.value.trim();
  if (state === "paused" && !reason) {
    toast(t("Say why the agent is paused"), "error");
    form.elements.reason.focus();
    return;
  }
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await api("PUT", `/api/v1/agents/${encodeURIComponent(form.dataset.userId)}/presence`, {
      state,
      reason: state === "paused" ? reason : null,
    });
    toast(t("Presence changed"), "ok");
    button.blur();
    schedule();
  } catch (error) {
    toast(`${t("Could not change the presence")}: ${error.message}`, "error");
  } finally {
    button.disabled = false;
  }
});

board.dataset.updatedAt = String(Date.now());
readServerTime();
tick();
setInterval(tick, 1000);
setInterval(schedule, EVERY_MS);
