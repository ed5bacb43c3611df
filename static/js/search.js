// The header's search box. Without JavaScript it is a GET form; htmx (attributes on the form)
// makes it search as you type. This file adds what htmx cannot do by itself:
// - pages without htmx (articles stay light) load it the first time the box gets focus;
// - no request while an input method is composing (pinyin is not the query yet);
// - screen readers hear the result count; a failed search says so.
(function () {
  "use strict";

  var form = document.getElementById("site-search");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("site-search-status");
  var composing = false;

  function say(text) {
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function loadHtmx() {
    if (window.htmx || form.hasAttribute("data-htmx-loading")) return;
    if (document.readyState !== "complete") {
      // htmx sets itself up on DOMContentLoaded, or at once if the page is complete; a
      // script arriving in between (images still loading) would never set itself up.
      window.addEventListener("load", loadHtmx, { once: true });
      return;
    }
    form.setAttribute("data-htmx-loading", "");
    var script = document.createElement("script");
    script.src = form.getAttribute("data-htmx-src");
    script.onload = function () {
      // htmx processes the page itself once loaded; this covers a late-arriving script too.
      window.htmx.process(form);
      // Whatever was typed while htmx was on its way is searched now.
      if (input.value && document.activeElement === input) window.htmx.trigger(form, "submit");
    };
    script.onerror = function () { form.removeAttribute("data-htmx-loading"); };
    document.head.appendChild(script);
  }

  form.addEventListener("focusin", loadHtmx);

  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { composing = false; });

  function fromForm(event) {
    // Request events carry the element in detail.elt; swap events in detail.requestConfig.
    var detail = event.detail || {};
    return detail.elt === form || (!!detail.requestConfig && detail.requestConfig.elt === form);
  }

  document.addEventListener("htmx:confirm", function (event) {
    // The delayed trigger fires after a pause; mid-composition it would search for pinyin.
    if (fromForm(event) && composing) event.preventDefault();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (fromForm(event)) form.classList.remove("site-search-failed");
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!fromForm(event)) return;
    var summary = document.querySelector("#main [data-search-summary]");
    if (summary) say(summary.getAttribute("data-search-summary"));
  });

  function failed(event) {
    if (!fromForm(event)) return;
    form.classList.add("site-search-failed");
    say(siteText("searchFailed"));
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
})();
