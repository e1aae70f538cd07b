// The customer page: edit the profile, add an address, merge a duplicate in, undo a merge.
// Everything goes through the JSON API (session cookie + X-CSRF-Token, see api() in omniline.js);
// names and addresses from the server are put into the page as text only.
import { api, ApiError, t, text, toast } from "/static/omniline.js";

const root = document.getElementById("customer-page");
const customerId = root?.dataset.customerId;

function panelChanged() {
  document.dispatchEvent(new CustomEvent("omniline:customer-changed"));
}

function showError(form, error) {
  const box = form.querySelector(".form-error") || document.getElementById(`${form.id}-error`);
  if (box) box.textContent = error ? error.message || String(error) : "";
}

async function submitting(form, work) {
  const button = form.querySelector('button[type="submit"]');
  if (button) button.disabled = true;
  showError(form, null);
  try {
    await work();
  } catch (error) {
    if (!(error instanceof ApiError)) console.error(error);
    showError(form, error);
  } finally {
    if (button) button.disabled = false;
  }
}

// Profile: only the fields that changed are sent.
function setUpEdit(form) {
  const initial = new FormData(form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const now = new FormData(form);
    const changes = {};
    for (const field of ["name", "tier", "value", "notes"]) {
      if (now.get(field) === initial.get(field)) continue;
      const value = now.get(field);
      changes[field] = field === "value" ? (value === "" ? 0 : Number(value)) : value;
    }
    if (Object.keys(changes).length === 0) {
      toast(t("nothing_changed"));
      return;
    }
    submitting(form, async () => {
      const customer = await api("PATCH", `/api/v1/customers/${customerId}`, changes);
      for (const [field, value] of now.entries()) initial.set(field, value);
      document.getElementById("customer-title-name").textContent = customer.name || t("unnamed");
      toast(t("saved"), "ok");
      panelChanged();
    });
  });
}

// Addresses: a new one is added; one another customer has leads to merging them.
function setUpIdentities(form) {
  const owner = document.getElementById("identity-owner");
  let ownerCustomer = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    owner.hidden = true;
    const data = new FormData(form);
    const identity = `${data.get("kind")}:${String(data.get("address") || "").trim()}`;
    submitting(form, async () => {
      try {
        const added = await api("POST", `/api/v1/customers/${customerId}/identities`, { identity });
        const known = [...document.querySelectorAll("#identity-list .identity-address")].some((el) => el.textContent === added.address);
        if (!known) {
          const item = document.createElement("li");
          item.append(text(`${added.kind} ${added.address}`));
          document.getElementById("identity-list").append(item);
        }
        form.reset();
        toast(t(known ? "identity_known" : "identity_added"), "ok");
        panelChanged();
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== "identity_taken") throw error;
        const found = await api("GET", `/api/v1/customers?identity=${encodeURIComponent(identity)}`);
        ownerCustomer = found.items[0];
        if (!ownerCustomer) throw error;
        owner.querySelector(".identity-owner-text").replaceChildren(text(`${t("identity_taken")} ${ownerCustomer.name || t("unnamed")}`));
        owner.hidden = false;
      }
    });
  });
  document.getElementById("identity-owner-merge").addEventListener("click", () => {
    if (ownerCustomer) chooseForMerge(ownerCustomer);
  });
}

// Merge: search, choose, give a reason, confirm.
const mergeConfirm = document.getElementById("merge-confirm");

function chooseForMerge(customer) {
  mergeConfirm.elements.customer_id.value = customer.id;
  mergeConfirm.querySelector(".merge-name").replaceChildren(text(describe(customer)));
  mergeConfirm.hidden = false;
  mergeConfirm.elements.reason.focus();
}

function describe(customer) {
  const addresses = customer.identities.map((item) => item.identity).join(", ");
  return `${customer.name || t("unnamed")}${addresses ? ` (${addresses})` : ""}`;
}

function setUpMerge(search) {
  const results = document.getElementById("merge-results");
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = String(new FormData(search).get("q") || "").trim();
    results.replaceChildren();
    if (query.length < 2) {
      results.append(item(text(t("type_to_search"))));
      return;
    }
    submitting(search, async () => {
      const found = await api("GET", `/api/v1/customers?q=${encodeURIComponent(query)}&limit=10`);
      const others = found.items.filter((customer) => customer.id !== customerId);
      if (others.length === 0) results.append(item(text(t("no_results"))));
      for (const customer of others) {
        const open = customer.cases.filter((one) => one.status !== "resolved").length;
        const choose = document.createElement("button");
        choose.type = "button";
        choose.className = "merge-choose";
        choose.append(text(t("choose")));
        choose.addEventListener("click", () => chooseForMerge(customer));
        results.append(item(text(`${describe(customer)} · ${open} ${t("open_cases")} `), choose));
      }
    });
  });
  mergeConfirm.querySelector(".merge-cancel").addEventListener("click", () => {
    mergeConfirm.hidden = true;
    mergeConfirm.reset();
  });
  mergeConfirm.addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = mergeConfirm.elements.reason.value.trim();
    if (!reason) {
      showError(mergeConfirm, new Error(t("reason_needed")));
      return;
    }
    submitting(mergeConfirm, async () => {
      await api("POST", `/api/v1/customers/${customerId}/merge`, { customer_id: mergeConfirm.elements.customer_id.value, reason });
      window.location.assign(`/desktop/customers/${customerId}?done=merged`);
    });
  });
}

function item(...children) {
  const li = document.createElement("li");
  li.append(...children);
  return li;
}

// Undo a merge: the survivor's unmerge, whichever side's page this is.
function setUpUnmerge(form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = form.elements.reason.value.trim();
    if (!reason) {
      showError(form, new Error(t("reason_needed")));
      return;
    }
    submitting(form, async () => {
      await api("POST", `/api/v1/customers/${form.dataset.survivorId}/unmerge`, { customer_id: form.dataset.mergedId, reason });
      window.location.assign(`/desktop/customers/${customerId}?done=unmerged`);
    });
  });
}

if (root) {
  const edit = document.getElementById("customer-edit");
  if (edit) setUpEdit(edit);
  const identities = document.getElementById("identity-add");
  if (identities) setUpIdentities(identities);
  const search = document.getElementById("merge-search");
  if (search) setUpMerge(search);
  for (const form of root.querySelectorAll(".unmerge-form")) setUpUnmerge(form);
}
