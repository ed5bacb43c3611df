// Comments under an article. Without JavaScript the links open the form as its own page.
// This file loads htmx (article pages ship without it) when the comments come near, so the
// form opens and posts in place, and lets a refused comment's 4xx answer, which carries
// the form back with the reason, replace the form as a 2xx would.
(function () {
  "use strict";

  var section = document.getElementById("comments");
  if (!section) return;

  function loadHtmx() {
    if (window.htmx) { window.htmx.process(section); return; }
    if (document.querySelector("script[data-htmx-for-comments]")) return;
    if (document.readyState !== "complete") {
      // htmx sets itself up on DOMContentLoaded or at once when complete, not in between.
      window.addEventListener("load", loadHtmx, { once: true });
      return;
    }
    var script = document.createElement("script");
    script.src = section.getAttribute("data-htmx-src");
    script.setAttribute("data-htmx-for-comments", "");
    script.onload = function () { window.htmx.process(section); };
    document.head.appendChild(script);
  }

  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        loadHtmx();
      }
    }, { rootMargin: "800px 0px" });
    observer.observe(section);
  }
  section.addEventListener("focusin", loadHtmx);
  section.addEventListener("pointerover", loadHtmx, { once: true });

  function inComments(event) {
    var target = event.detail && event.detail.target;
    return !!target && (target.closest("#comments") !== null || target.closest("#comment-form") !== null);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (inComments(event) && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    var posted = document.getElementById("comment-posted");
    if (posted && target && target.contains && target.contains(posted)) posted.focus();
    // A form opened in place takes the keyboard at its first field.
    var name = document.getElementById("comment-name");
    if (event.detail.requestConfig && event.detail.requestConfig.verb === "get" && name) name.focus();
  });
})();
