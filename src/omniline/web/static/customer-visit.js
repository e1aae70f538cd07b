// The "record a visit" form: find the visitor among the customers (GET /api/v1/customers?q=) and
// choose them, or leave the search and fill in a new customer. Results are put in as text only.
import { api, t, text, toast } from "/static/omniline.js";

const form = document.getElementById("visit-form");

function setUp() {
  const chosenId = document.getElementById("visit-customer-id");
  const chosen = document.getElementById("visit-chosen");
  const finder = document.getElementById("visit-find");
  const fresh = document.getElementById("visit-new");
  const search = document.getElementById("visit-search");
  const results = document.getElementById("visit-results");

  function choose(customer) {
    chosenId.value = customer.id;
    chosen.querySelector(".visit-chosen-name").replaceChildren(text(customer.name || t("unnamed")));
    chosen.querySelector(".visit-chosen-identities").replaceChildren(
      text(customer.identities.map((item) => item.identity).join(", ")),
    );
    chosen.hidden = false;
    finder.hidden = true;
    fresh.disabled = true; // a chosen customer's visit does not also create a new one
    results.replaceChildren();
  }

  document.getElementById("visit-change").addEventListener("click", () => {
    chosenId.value = "";
    chosen.hidden = true;
    finder.hidden = false;
    fresh.disabled = false;
    search.focus();
  });

  async function find() {
    const query = search.value.trim();
    results.replaceChildren();
    if (query.length < 2) {
      results.append(line(text(t("type_more"))));
      return;
    }
    const found = await api("GET", `/api/v1/customers?q=${encodeURIComponent(query)}&limit=10`);
    if (found.items.length === 0) results.append(line(text(t("no_results"))));
    for (const customer of found.items) {
      const button = document.createElement("button");
      button.type = "button";
      button.append(text(t("choose")));
      button.addEventListener("click", () => choose(customer));
      const addresses = customer.identities.map((item) => item.identity).join(", ");
      results.append(line(text(`${customer.name || t("unnamed")} · ${addresses} `), button));
    }
  }

  const findOrSay = () => find().catch((error) => toast(error.message, "error"));
  document.getElementById("visit-search-button").addEventListener("click", findOrSay);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // Enter searches; it does not send the visit half-filled
      findOrSay();
    }
  });
}

function line(...children) {
  const item = document.createElement("li");
  item.append(...children);
  return item;
}

if (form) setUp();
