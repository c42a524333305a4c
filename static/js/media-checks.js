// What the create and the batch forms share: asking the server for a cost, its media limits as
// messages that name them, and drop zones that fill the real file inputs. The limits' numbers
// are never here: each page is given them by the server (<script id="media-limits">).
(function () {
  "use strict";

  // What videos as long as `lengths` (seconds, one per video) cost with each model, asked of
  // the server (GET /estimate/, credits.prices): its rounding is never repeated here. Resolves
  // to {models: {key: {credits, dollars}}, balance}, or null when the answer does not come.
  // The chosen model's own inputs (resolution, turbo mode): each shows only while a model
  // that takes it is chosen; their values go with every estimate (each model reads its own).
  function showModelParams(form) {
    var checked = form.querySelector("input[name=model]:checked");
    var key = checked ? checked.value : "";
    form.querySelectorAll(".model-param").forEach(function (box) {
      box.hidden = box.dataset.models.split(" ").indexOf(key) < 0;
    });
  }

  function paramQuery(form) {
    var pairs = [];
    form.querySelectorAll(".model-param").forEach(function (box) {
      box.querySelectorAll("select, input").forEach(function (field) {
        var value = field.type === "checkbox" ? String(field.checked) : field.value;
        pairs.push(encodeURIComponent(field.name) + "=" + encodeURIComponent(value));
      });
    });
    return pairs;
  }

  function fetchEstimate(url, lengths, form) {
    var query = lengths.map(function (seconds) { return "seconds=" + encodeURIComponent(String(seconds)); })
      .concat(form ? paramQuery(form) : []).join("&");
    return fetch(url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; });
  }

  // The same words as the server's limits (jobs.media._human_size).
  function size(bytes) {
    return bytes >= 1024 * 1024 ? (bytes / (1024 * 1024)).toFixed(0) + " MB" : (bytes / 1024).toFixed(0) + " KB";
  }

  // Which files are acceptable: the input's own accept list (types and extensions).
  function accepts(input, file) {
    var name = file.name.toLowerCase();
    return input.accept.split(",").some(function (token) {
      token = token.trim().toLowerCase();
      return token.charAt(0) === "." ? name.endsWith(token) : token === (file.type || "").toLowerCase();
    });
  }

  // The file's size against the field's limit (before anything is read or sent).
  function sizeProblem(file, limit, what) {
    if (file.size === 0) return "“" + file.name + "” is empty (0 bytes): choose a " + what + " with something in it.";
    if (file.size > limit) return "“" + file.name + "” is " + size(file.size) + "; the limit is " + size(limit) + " for a " + what + ".";
    return "";
  }

  // The length against the server's limits; the message names the limit that was crossed.
  function lengthProblem(limits, name, seconds) {
    if (seconds > limits.maxAudioSeconds) {
      return "“" + name + "” lasts " + seconds.toFixed(1) + " s; the limit is " + limits.maxAudioSeconds + " s for any model. Choose a clip of at most " +
        limits.maxAudioSeconds + " s.";
    }
    if (seconds < limits.minAudioSeconds) {
      return "“" + name + "” lasts " + seconds.toFixed(1) + " s; a clip must last at least " + limits.minAudioSeconds + " s.";
    }
    return "";
  }

  function sideProblem(limits, name, width, height) {
    var low = limits.minImageSide, high = limits.maxImageSide;
    if (Math.min(width, height) >= low && Math.max(width, height) <= high) return "";
    return "“" + name + "” is " + width + "×" + height + " px; each side must be between " + low + " and " + high + " pixels.";
  }

  // Drop zones: the zone only listens; the input inside it keeps focus and clicks.
  // onDrop(input, files) decides what to do with what was dropped.
  function wireDropZones(form, onDrop) {
    Array.prototype.forEach.call(form.querySelectorAll(".dropzone"), function (zone) {
      var input = zone.querySelector("input[type=file]");
      var depth = 0; // dragenter/dragleave fire for every child crossed
      zone.addEventListener("dragenter", function (event) {
        event.preventDefault();
        depth += 1;
        zone.classList.add("dragging");
      });
      zone.addEventListener("dragover", function (event) {
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
      });
      zone.addEventListener("dragleave", function () {
        depth = Math.max(0, depth - 1);
        if (!depth) zone.classList.remove("dragging");
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        depth = 0;
        zone.classList.remove("dragging");
        var files = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.files) : [];
        if (files.length) onDrop(input, files);
      });
    });
    // A file dropped beside a zone would make the browser leave the page to open it.
    ["dragover", "drop"].forEach(function (type) {
      window.addEventListener(type, function (event) {
        if (!event.target.closest || !event.target.closest(".dropzone")) event.preventDefault();
      });
    });
  }

  // A file kept from a refused post (templates/avatars/_drop_field.html), shown as chosen until
  // another file replaces it.
  function forgetKept(input) {
    var kept = document.getElementById(input.id + "_kept");
    if (kept) kept.remove();
  }

  window.avatarStudioMedia = {
    fetchEstimate: fetchEstimate, showModelParams: showModelParams, size: size, accepts: accepts, sizeProblem: sizeProblem,
    lengthProblem: lengthProblem, sideProblem: sideProblem, wireDropZones: wireDropZones,
    forgetKept: forgetKept,
  };

})();
