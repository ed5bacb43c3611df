// Load-more, made usable for everyone: busy state, focus on the first new card, an
// announcement for screen readers, a visible error with retry, and the loaded cards
// restored when the reader comes back with the Back button. htmx does the fetching.
(function () {
  "use strict";

  var STORE_PREFIX = "card-list:";
  var pending = null; // { before: number of cards when the request started }

  function cardList() { return document.getElementById("card-list"); }
  function cards() {
    var list = cardList();
    return list ? list.querySelectorAll(":scope > article") : [];
  }
  function storeKey() { return STORE_PREFIX + location.pathname + location.search; }
  function announce(text) {
    var status = document.getElementById("load-status");
    if (!status) return;
    // Clearing first makes a repeated identical message heard again.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function isLoadMore(elt) { return elt && elt.closest && elt.closest("#load-more"); }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isLoadMore(event.detail.elt)) return;
    pending = { before: cards().length };
    var list = cardList();
    if (list) list.setAttribute("aria-busy", "true");
    var error = document.querySelector("#load-more .load-more-error");
    if (error) error.hidden = true;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!pending) return;
    var all = cards();
    var added = all.length - pending.before;
    var first = all[pending.before];
    pending = null;
    var list = cardList();
    if (list) list.removeAttribute("aria-busy");
    if (first) first.focus({ preventScroll: false });
    var more = document.getElementById("load-more");
    announce(added + (added === 1 ? " more article loaded." : " more articles loaded.") +
      (more ? "" : " That is everything."));
    saveState();
  });

  function showError(event, text) {
    if (!isLoadMore(event.detail.elt)) return;
    pending = null;
    var list = cardList();
    if (list) list.removeAttribute("aria-busy");
    var box = document.getElementById("load-more");
    if (!box) return;
    var error = box.querySelector(".load-more-error");
    var label = box.querySelector(".load-more-label");
    if (label) label.textContent = "Retry";
    if (error) {
      error.textContent = text;
      error.hidden = false;
    }
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : "";
    showError(event, "Could not load more articles (the server answered " + status + "). Select Retry to try again.");
  });
  document.addEventListener("htmx:sendError", function (event) {
    showError(event, "Could not load more articles: the connection failed. Select Retry to try again.");
  });
  document.addEventListener("htmx:timeout", function (event) {
    showError(event, "Loading more articles took too long. Select Retry to try again.");
  });

  // Back/forward: keep the cards the reader loaded, and where they were, for this tab.
  function saveState() {
    var list = cardList();
    if (!list) return;
    try {
      sessionStorage.setItem(storeKey(), JSON.stringify({
        html: list.innerHTML,
        count: cards().length,
        scrollY: window.scrollY
      }));
    } catch (e) { /* storage full or disabled: Back shows the first page, as without JS */ }
  }

  function navigationType() {
    var entries = performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    return entries.length ? entries[0].type : "navigate";
  }

  function restoreState() {
    var list = cardList();
    if (!list) return;
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(storeKey()) || "null"); } catch (e) { saved = null; }
    if (navigationType() !== "back_forward") {
      // A fresh visit starts from the first page again.
      try { sessionStorage.removeItem(storeKey()); } catch (e) { /* ignore */ }
      return;
    }
    if (!saved || saved.count <= cards().length) return;
    list.innerHTML = saved.html;
    if (window.htmx) window.htmx.process(list);
    window.scrollTo(0, saved.scrollY || 0);
  }

  window.addEventListener("pagehide", saveState);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restoreState);
  } else {
    restoreState();
  }
})();
