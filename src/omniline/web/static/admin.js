// The admin pages' small conveniences; everything also works as plain form posts without it.
//  - the new-channel form swaps the example config when the kind changes (until the admin edits it)
//  - forms with data-confirm ask first; YAML editors take Tab as two spaces and warn before leaving
//    with unsaved changes; [data-copy] buttons copy a value
//  - test deliveries still pending are watched until they are sent or failed
import { api, t, toast } from "/static/omniline.js";

function readJson(id) {
  const block = document.getElementById(id);
  return block ? JSON.parse(block.textContent) : null;
}

function channelKinds() {
  const kinds = readJson("channel-kinds");
  const select = document.getElementById("channel-kind");
  const config = document.getElementById("channel-config");
  const note = document.getElementById("channel-kind-note");
  if (!kinds || !select || !config) return;
  select.addEventListener("change", () => {
    const untouched = Object.values(kinds.examples).includes(config.value) || !config.value.trim();
    if (untouched) config.value = kinds.examples[select.value] || "";
    if (note) note.textContent = kinds.notes[select.value] || "";
  });
}

function confirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm || t("Are you sure?"))) event.preventDefault();
    });
  }
}

function editors() {
  for (const form of document.querySelectorAll("form[data-editor]")) {
    const area = form.querySelector("textarea.admin-editor");
    if (!area) continue;
    const original = area.value;
    let submitting = false;
    area.addEventListener("keydown", (event) => {
      if (event.key !== "Tab" || event.shiftKey || event.ctrlKey || event.altKey) return;
      event.preventDefault();
      area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
    });
    form.addEventListener("submit", () => { submitting = true; });
    window.addEventListener("beforeunload", (event) => {
      if (!submitting && area.value !== original) {
        event.preventDefault();
        event.returnValue = t("You have unsaved changes.");
      }
    });
  }
}

function copyButtons() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        toast(t("Copied"), "ok");
      } catch {
        window.getSelection().selectAllChildren(source);  // no clipboard access: select it for Ctrl+C
      }
    });
  }
}

// Poll each unfinished delivery (GET /api/v1/deliveries/{id}) until it is sent or failed.
function watchDeliveries() {
  const rows = [...document.querySelectorAll("tr[data-delivery-id]")];
  const open = (row) => ["pending", "sending"].includes(row.dataset.status);
  let rounds = 0;
  const poll = async () => {
    const waiting = rows.filter(open);
    if (!waiting.length || rounds++ > 120) return;
    for (const row of waiting) {
      try {
        const delivery = await api("GET", `/api/v1/deliveries/${row.dataset.deliveryId}`);
        row.dataset.status = delivery.status;
        const status = row.querySelector('[data-field="status"]');
        status.textContent = t(delivery.status);
        status.className = `badge delivery-${delivery.status}`;
        row.querySelector('[data-field="attempts"]').textContent = String(delivery.attempts);
        row.querySelector('[data-field="last_error"]').textContent = delivery.last_error || "";
      } catch (error) {
        if (error.status === 401 || error.status === 404) row.dataset.status = "gone";
      }
    }
    setTimeout(poll, 1500);
  };
  if (rows.some(open)) setTimeout(poll, 800);
}

document.addEventListener("DOMContentLoaded", () => {
  channelKinds();
  confirmations();
  editors();
  copyButtons();
  watchDeliveries();
});
