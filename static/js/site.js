// The page's translations (_site_messages.html), shared by site.js, search.js and
// diagrams.js as window.siteText(key, slots); English when they are missing.
(function () {
  "use strict";
  var MESSAGES = {
    retry: "Retry",
    loadedOne: "1 more article loaded.",
    loadedMany: "{count} more articles loaded.",
    everything: "That is everything.",
    loadFailed: "Could not load more articles (the server answered {status}). Select Retry to try again.",
    loadLost: "Could not load more articles: the connection failed. Select Retry to try again.",
    loadSlow: "Loading more articles took too long. Select Retry to try again.",
    copy: "Copy",
    copyTitle: "Copy this code",
    copied: "Copied",
    copiedSaid: "Code copied to the clipboard.",
    press: "Press {keys}",
    pressSaid: "Code selected. Press {keys} to copy it.",
    searchFailed: "Search failed. Press Enter to try again.",
    diagramFailed: "This diagram could not be drawn: {reason}"
  };
  var translated = document.getElementById("site-messages");
  if (translated) {
    try { Object.assign(MESSAGES, JSON.parse(translated.textContent)); } catch (ignored) { /* keep English */ }
  }
  window.siteText = function (key, slots) {
    return MESSAGES[key].replace(/\{(\w+)\}/g, function (all, name) {
      return slots && name in slots ? String(slots[name]) : all;
    });
  };
})();

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
    announce((added === 1 ? siteText("loadedOne") : siteText("loadedMany", { count: added })) +
      (more ? "" : " " + siteText("everything")));
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
    if (label) label.textContent = siteText("retry");
    if (error) {
      error.textContent = text;
      error.hidden = false;
    }
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : "";
    showError(event, siteText("loadFailed", { status: status }));
  });
  document.addEventListener("htmx:sendError", function (event) {
    showError(event, siteText("loadLost"));
  });
  document.addEventListener("htmx:timeout", function (event) {
    showError(event, siteText("loadSlow"));
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

// Copy buttons on code blocks. Added here only, so without JavaScript there is no button
// and the code is as selectable as ever. The clipboard API needs a secure context (HTTPS or
// localhost); elsewhere the older copy command is tried, and if that fails too, the code is
// selected so the reader can press Ctrl+C. Each outcome is said in the button and aloud.
(function () {
  "use strict";

  var RESET_MS = 2000;
  var blocks = document.querySelectorAll(".prose div.highlight");
  if (!blocks.length) return;

  var status = document.createElement("p");
  status.className = "sr-only";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function selectContents(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return selection;
  }

  function copyWithCommand(node) {
    var selection = selectContents(node);
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    if (done) selection.removeAllRanges();
    return done;
  }

  function show(button, state, label, message) {
    window.clearTimeout(button._reset);
    button.textContent = label;
    button.setAttribute("data-state", state);
    announce(message);
    button._reset = window.setTimeout(function () {
      button.textContent = siteText("copy");
      button.removeAttribute("data-state");
    }, state === "copied" ? RESET_MS : 2 * RESET_MS);
  }

  function copy(button, code) {
    // Pygments ends every block with a newline; a pasted snippet should not.
    var text = code.textContent.replace(/\n$/, "");
    function fallback() {
      if (copyWithCommand(code)) {
        show(button, "copied", siteText("copied"), siteText("copiedSaid"));
        return;
      }
      selectContents(code);
      var keys = /Mac|iPhone|iPad/.test(navigator.platform || "") ? "⌘C" : "Ctrl+C";
      show(button, "select", siteText("press", { keys: keys }), siteText("pressSaid", { keys: keys }));
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        show(button, "copied", siteText("copied"), siteText("copiedSaid"));
      }, fallback);
    } else {
      fallback();
    }
  }

  Array.prototype.forEach.call(blocks, function (block) {
    var pre = block.querySelector("pre");
    if (!pre || block.querySelector(".copy-button")) return;
    var code = pre.querySelector("code") || pre;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = siteText("copy");
    button.title = siteText("copyTitle");
    button.addEventListener("click", function () { copy(button, code); });
    block.appendChild(button);
    block.classList.add("has-copy-button");
  });
})();

// Tables scroll sideways on a narrow screen; they join the tab order so a keyboard can
// scroll them as a finger can. (Code and display formulas get their tabindex when rendered.)
(function () {
  "use strict";
  function reachable(root) {
    var boxes = root.querySelectorAll(".prose table");
    Array.prototype.forEach.call(boxes, function (box) {
      if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    });
  }
  reachable(document);
  // A live preview or search result swapped in by htmx brings new boxes.
  document.addEventListener("htmx:afterSettle", function (event) { reachable(event.detail.elt); });
})();

// Back to top: without JavaScript a plain link, always there; here it waits until the
// reader is a screen down, and is hidden again near the top.
(function () {
  "use strict";
  var link = document.querySelector("[data-back-to-top]");
  if (!link) return;
  var ticking = false;
  function update() {
    ticking = false;
    if (window.scrollY > window.innerHeight) link.removeAttribute("data-hidden");
    else link.setAttribute("data-hidden", "");
  }
  window.addEventListener("scroll", function () {
    if (!ticking) { ticking = true; window.requestAnimationFrame(update); }
  }, { passive: true });
  link.addEventListener("click", function () {
    // After the jump, the keyboard starts from the top too.
    window.setTimeout(function () {
      var main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    }, 0);
  });
  update();
})();

// The contents sidebar (wide screens) marks the section being read: the last heading
// that has scrolled past the top quarter of the window.
(function () {
  "use strict";
  var side = document.querySelector(".toc-sidebar");
  if (!side || !("IntersectionObserver" in window)) return;
  var links = {};
  Array.prototype.forEach.call(side.querySelectorAll("a[href^='#']"), function (a) {
    links[decodeURIComponent(a.getAttribute("href").slice(1))] = a;
  });
  var headings = Array.prototype.filter.call(
    document.querySelectorAll(".prose :is(h1, h2, h3, h4, h5, h6)[id]"),
    function (h) { return links[h.id]; }
  );
  if (!headings.length) return;
  var current = null;
  function mark() {
    var line = window.innerHeight / 4;
    var found = headings[0];
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getBoundingClientRect().top <= line) found = headings[i];
      else break;
    }
    var link = links[found.id];
    if (link === current) return;
    if (current) current.removeAttribute("aria-current");
    link.setAttribute("aria-current", "location");
    current = link;
    // Keep the marked entry in view in a long sidebar, without moving the page.
    var box = side.getBoundingClientRect(), at = link.getBoundingClientRect();
    if (at.top < box.top || at.bottom > box.bottom) side.scrollTop += at.top - box.top - box.height / 3;
  }
  // The observer says when a heading crosses the line; mark() then finds which one leads.
  var observer = new IntersectionObserver(mark, { rootMargin: "0px 0px -75% 0px" });
  headings.forEach(function (h) { observer.observe(h); });
  mark();
})();
