// What the create and the batch forms share: the server's pricing rule, its media limits as
// messages that name them, and drop zones that fill the real file inputs. The limits' numbers
// are never here: each page is given them by the server (<script id="media-limits">).
(function () {
  "use strict";

  // The server's pricing rule, repeated exactly (jobs/registry.py): dollars are the price
  // per second × the audio's seconds rounded half up to the cent; credits are credits per
  // second × seconds rounded up to a whole credit. Both run on exact decimals (BigInt), as
  // Python's Decimal does: float arithmetic would put 0.115 × 3 on either side of $0.345.
  function exactDecimal(text) {
    var match = /^(\d+)(?:\.(\d+))?$/.exec(String(text));
    if (!match) return null;
    var fraction = match[2] || "";
    return { digits: BigInt(match[1] + fraction), scale: fraction.length };
  }

  function estimate(pricePerSecond, creditsPerSecond, seconds) {
    // String(seconds) is the shortest text that reads back as the same number, as Python's
    // str(float) is: the server's Decimal(str(seconds)) sees the same digits.
    var price = exactDecimal(pricePerSecond), length = exactDecimal(seconds);
    if (!price || !length) return null;
    var product = price.digits * length.digits;
    var scale = price.scale + length.scale;
    var cents;
    if (scale <= 2) {
      cents = product * 10n ** BigInt(2 - scale);
    } else {
      var unit = 10n ** BigInt(scale - 2);
      cents = (product * 2n + unit) / (unit * 2n); // half up: floor(x + 1/2), x ≥ 0
    }
    var lengthUnit = 10n ** BigInt(length.scale);
    var credits = (length.digits * BigInt(creditsPerSecond) + lengthUnit - 1n) / lengthUnit;
    return { cents: Number(cents), credits: Number(credits) };
  }

  function dollars(cents) {
    var whole = Math.floor(cents / 100), rest = cents % 100;
    return "$" + whole + "." + (rest < 10 ? "0" : "") + rest;
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

  // The browser tests hold the cost rule against the server's for tricky lengths.
  window.avatarStudioCost = { estimate: estimate, dollars: dollars };
  window.avatarStudioMedia = {
    estimate: estimate, dollars: dollars, size: size, accepts: accepts, sizeProblem: sizeProblem,
    lengthProblem: lengthProblem, sideProblem: sideProblem, wireDropZones: wireDropZones,
  };

})();
