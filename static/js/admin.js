// Authoring pages: the upload progress bar, oversize files caught before they travel,
// error answers shown where the author is looking, and the form cleared after an upload.
// htmx does every request; without JavaScript the same forms post whole pages.
(function () {
  "use strict";

  var SWAPPED_ERRORS = [400, 413, 422, 429];
  var uploadDone = false;
  // The page's translations (admin/base.html); English if they are missing.
  var MESSAGES = {
    fileTooBig: "{name} is {size}.",
    totalTooBig: "The files add up to {size}.",
    uploading: "Uploading…",
    uploadingPercent: "Uploading… {percent}% of {size}",
    uploaded: "Uploaded. Publishing…",
    previewEmpty: "The pasted Markdown appears here as readers will see it, with its card.",
    uploadFailed: "The upload failed: the server answered {status}. Please try again.",
    previewFailed: "The preview could not be rendered (the server answered {status}).",
    uploadLost: "The upload did not reach the server: the connection closed.",
    previewLost: "The preview is unavailable: the connection failed."
  };
  var translated = document.getElementById("admin-messages");
  if (translated) {
    try { Object.assign(MESSAGES, JSON.parse(translated.textContent)); } catch (ignored) { /* keep English */ }
  }

  function say(key, slots) {
    return MESSAGES[key].replace(/\{(\w+)\}/g, function (all, name) {
      return slots && name in slots ? String(slots[name]) : all;
    });
  }

  function uploadForm(elt) { return elt && elt.id === "upload-form" ? elt : null; }
  function progressBox() { return document.querySelector("#upload-form .upload-progress"); }

  function setProgress(percent, text) {
    var box = progressBox();
    if (!box) return;
    var bar = box.querySelector("progress");
    var label = box.querySelector(".progress-text");
    if (bar) bar.value = percent;
    if (label) label.textContent = text;
  }

  function showIn(selector, text, kind) {
    var target = document.querySelector(selector);
    if (!target) return;
    var message = document.createElement("p");
    message.className = kind || "form-error";
    message.setAttribute("role", "alert");
    message.textContent = text;
    target.replaceChildren(message);
  }

  function limitsText() {
    var hint = document.getElementById("upload-limits");
    // Its first sentence: up to a "." before a space, or a "。".
    var first = hint ? hint.textContent.match(/^[\s\S]*?(。|\.(?=\s|$))/) : null;
    return first ? first[0].trim() : "";
  }

  function sizeLabel(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.ceil(bytes / 1024) + " KB";
  }

  // Refuse an upload the server would refuse, before minutes of sending it.
  function oversize(form) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files) return null;
    var perFile = Number(input.dataset.maxFile) || Infinity;
    var total = Number(input.dataset.maxUpload) || Infinity;
    var sum = 0;
    for (var i = 0; i < input.files.length; i++) {
      var file = input.files[i];
      sum += file.size;
      if (file.size > perFile) return say("fileTooBig", { name: file.name, size: sizeLabel(file.size) }) + " " + limitsText();
    }
    if (sum > total) return say("totalTooBig", { size: sizeLabel(sum) }) + " " + limitsText();
    return null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event.detail.elt);
    if (!form) return;
    var problem = oversize(form);
    if (problem) {
      event.preventDefault();
      showIn("#upload-results", problem);
      return;
    }
    uploadDone = false;
    var box = progressBox();
    if (box) box.hidden = false;
    setProgress(0, say("uploading"));
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    if (!uploadForm(event.detail.elt) || uploadDone) return;
    var detail = event.detail;
    if (!detail.lengthComputable || !detail.total) return;
    var percent = Math.min(100, Math.round((detail.loaded / detail.total) * 100));
    if (percent >= 100) {
      // The rest is the server's work: rendering, math, images.
      uploadDone = true;
      setProgress(100, say("uploaded"));
    } else {
      setProgress(percent, say("uploadingPercent", { percent: percent, size: sizeLabel(detail.total) }));
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploadForm(event.detail.elt);
    if (!form) return;
    var box = progressBox();
    if (box) box.hidden = true;
    if (!event.detail.successful) return;
    // A fully accepted upload clears the form; with a rejection the author fixes and resends.
    if (!document.querySelector("#upload-results .result-rejected")) {
      form.reset();
      showIn("#preview", say("previewEmpty"), "preview-empty");
    }
    // The results, or a big upload's job (its progress, then its results in place).
    var heading = document.querySelector("#upload-results .job .pane-heading") ||
      document.getElementById("results-heading");
    if (heading) heading.focus();
  });

  // htmx leaves 4xx answers unswapped; on these pages they carry the message to show.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!document.body.classList.contains("admin")) return;
    if (SWAPPED_ERRORS.indexOf(event.detail.xhr.status) >= 0) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : "";
    if (uploadForm(event.detail.elt)) {
      showIn("#upload-results", say("uploadFailed", { status: status }));
    } else if (event.detail.target && event.detail.target.id === "preview") {
      showIn("#preview", say("previewFailed", { status: status }));
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (uploadForm(event.detail.elt)) {
      var box = progressBox();
      if (box) box.hidden = true;
      showIn("#upload-results", say("uploadLost") + " " + limitsText());
    } else if (event.detail.target && event.detail.target.id === "preview") {
      showIn("#preview", say("previewLost"));
    }
  });
})();
