// Create form: drop zones and samples that fill the real file inputs, instant previews, and
// the estimated cost against the balance before anything is sent.
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

  // For the browser tests, which hold this rule against the server's for tricky lengths.
  window.avatarStudioCost = { estimate: estimate, dollars: dollars };

  var form = document.getElementById("create-form");
  if (!form) return;
  var prices = JSON.parse(document.getElementById("model-prices").textContent);
  var creditPrices = JSON.parse(document.getElementById("model-credit-prices").textContent);
  var balance = JSON.parse(document.getElementById("credit-balance").textContent);
  // The server's own limits (jobs.media), given to the page: never written into this script.
  var limits = JSON.parse(document.getElementById("media-limits").textContent);
  // Dollars only when fal.ai makes the videos; the local engine's prices are in credits.
  var showDollars = form.dataset.showDollars === "true";
  var imageInput = form.querySelector("input[name=image]");
  var audioInput = form.querySelector("input[name=audio]");
  var imagePreview = document.getElementById("image-preview");
  var imageTag = document.getElementById("image-preview-img");
  var imageCaption = document.getElementById("image-preview-caption");
  var audioPreview = document.getElementById("audio-preview");
  var audioPlayer = document.getElementById("audio-preview-player");
  var audioCaption = document.getElementById("audio-preview-caption");
  var pricePerSecond = document.getElementById("price-per-second");
  var estimateLine = document.getElementById("cost-estimate");
  var warning = document.getElementById("cost-warning");
  var warningText = document.getElementById("cost-warning-text");
  var reused = document.getElementById("reused-portrait");
  var audioSeconds = null;
  var urls = {};

  function objectUrl(kind, file) {
    if (urls[kind]) URL.revokeObjectURL(urls[kind]);
    urls[kind] = file ? URL.createObjectURL(file) : null;
    return urls[kind];
  }

  function selectedModel() {
    var checked = form.querySelector("input[name=model]:checked");
    return checked ? checked.value : null;
  }

  function modelLabel(key) {
    var radio = form.querySelector("input[name=model][value='" + key + "']");
    var text = radio ? radio.parentNode.textContent.trim() : key;
    return text.replace(/\s*\(.*\)$/, "");
  }

  function showPrice() {
    var key = selectedModel();
    if (!prices[key]) return;
    pricePerSecond.textContent = modelLabel(key) + ": " + (showDollars ? "$" + prices[key] + " (" + creditPrices[key] + " credits)" : creditPrices[key] + " credits") +
      " per second of video.";
  }

  // The same words as the server's limits (jobs.media._human_size).
  function size(bytes) {
    return bytes >= 1024 * 1024 ? (bytes / (1024 * 1024)).toFixed(0) + " MB" : (bytes / 1024).toFixed(0) + " KB";
  }

  // Another model whose cost for this audio the balance covers, or null.
  function affordableModel(seconds) {
    var found = null;
    Object.keys(creditPrices).forEach(function (key) {
      var cost = estimate(prices[key], creditPrices[key], seconds);
      if (!found && key !== selectedModel() && cost && cost.credits <= balance) found = { key: key, credits: cost.credits };
    });
    return found;
  }

  function showEstimate() {
    showPrice();
    var key = selectedModel();
    var price = prices[key];
    if (audioSeconds === null || !price) return;
    var cost = estimate(price, creditPrices[key], audioSeconds);
    if (!cost) return;
    var over = cost.credits > balance;
    estimateLine.textContent = showDollars
      ? "Estimated cost: " + dollars(cost.cents) + " (" + audioSeconds.toFixed(1) + " s of video × $" + price +
        " per second) = " + cost.credits + " credits; your balance is " + balance + " credits."
      : "Estimated cost: " + cost.credits + " credits (" + audioSeconds.toFixed(1) + " s of video × " + creditPrices[key] +
        " credits per second); your balance is " + balance + " credits.";
    estimateLine.classList.toggle("over-balance", over);
    estimateLine.dataset.cost = dollars(cost.cents).slice(1);
    estimateLine.dataset.credits = cost.credits;
    warning.hidden = !over;
    var cheaper = over ? affordableModel(audioSeconds) : null;
    warningText.textContent = over
      ? "This video would cost " + cost.credits + " credits, " + (cost.credits - balance) + " more than your balance. " +
        (cheaper ? "Choose shorter audio or " + modelLabel(cheaper.key) + " (" + cheaper.credits + " credits)." : "Choose shorter audio.")
      : "";
  }

  // --- Which files are acceptable: the input's own accept list (types and extensions). ---
  function accepts(input, file) {
    var name = file.name.toLowerCase();
    return input.accept.split(",").some(function (token) {
      token = token.trim().toLowerCase();
      return token.charAt(0) === "." ? name.endsWith(token) : token === (file.type || "").toLowerCase();
    });
  }

  function zoneOf(input) {
    return input.closest(".dropzone");
  }

  function showProblem(input, text) {
    var message = document.getElementById(input.id + "_drop_error");
    message.hidden = !text;
    message.textContent = text || "";
  }

  function showTypeProblem(input, file) {
    showProblem(input, file ? "“" + file.name + "” " + zoneOf(input).dataset.wrongType : "");
  }

  // A file the server would refuse: the input is emptied and the limit named beside it.
  function refuse(input, preview, text) {
    showProblem(input, text);
    input.value = "";
    preview.hidden = true;
  }

  // The file's size against the field's limit (before anything is read or sent).
  function sizeProblem(file, limit, what) {
    if (file.size === 0) return "“" + file.name + "” is empty (0 bytes): choose a " + what + " with something in it.";
    if (file.size > limit) return "“" + file.name + "” is " + size(file.size) + "; the limit is " + size(limit) + " for a " + what + ".";
    return "";
  }

  // A file kept from a refused post, shown as chosen until another file replaces it.
  function forgetKept(input) {
    var kept = document.getElementById(input.id + "_kept");
    if (kept) kept.remove();
  }

  // Put a file into the real input, so the ordinary form POST sends it, and show it.
  function choose(input, file) {
    var transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function forgetReusedPortrait() {
    if (!reused) return;
    reused.remove();
    var hidden = document.getElementById("id_portrait");
    if (hidden) hidden.remove();
    reused = null;
  }

  // The input's file, or null (and the input emptied, with a message beside it) when its
  // type is not one the field accepts.
  function acceptedFile(input) {
    var file = input.files[0];
    if (file && !accepts(input, file)) {
      showTypeProblem(input, file);
      input.value = "";
      return null;
    }
    showTypeProblem(input, null);
    return file || null;
  }

  function showImage() {
    var file = acceptedFile(imageInput);
    imagePreview.hidden = !file;
    if (!file) return;
    var tooBig = sizeProblem(file, limits.maxImageBytes, "portrait");
    if (tooBig) return refuse(imageInput, imagePreview, tooBig);
    forgetReusedPortrait(); // a chosen picture replaces the earlier job's portrait
    forgetKept(imageInput);
    imageTag.src = objectUrl("image", file);
    imageCaption.textContent = file.name;
    imageTag.onload = function () {
      var width = imageTag.naturalWidth, height = imageTag.naturalHeight;
      var low = limits.minImageSide, high = limits.maxImageSide;
      if (Math.min(width, height) < low || Math.max(width, height) > high) {
        return refuse(imageInput, imagePreview, "“" + file.name + "” is " + width + "×" + height + " px; each side must be between " +
          low + " and " + high + " pixels.");
      }
      imageCaption.textContent = file.name + " · " + width + "×" + height + " px";
    };
    imageTag.onerror = function () {
      imageCaption.textContent = file.name + " · this browser cannot show it; the server will check it.";
    };
  }

  function showAudio() {
    var file = acceptedFile(audioInput);
    audioSeconds = null;
    audioPreview.hidden = !file;
    if (!file) return;
    // Checked before the player reads it: an empty file given to <audio> makes Chromium log
    // a failed range request (net::ERR_REQUEST_RANGE_NOT_SATISFIABLE).
    var badSize = sizeProblem(file, limits.maxAudioBytes, "speech recording");
    if (badSize) return refuse(audioInput, audioPreview, badSize);
    forgetKept(audioInput);
    audioCaption.textContent = file.name;
    audioPlayer.src = objectUrl("audio", file);
  }

  // The length against the server's limits; the message names the limit that was crossed.
  function lengthProblem(name, seconds) {
    if (seconds > limits.maxAudioSeconds) {
      return "“" + name + "” lasts " + seconds.toFixed(1) + " s; the limit is " + limits.maxAudioSeconds + " s for any model. Choose a clip of at most " +
        limits.maxAudioSeconds + " s.";
    }
    if (seconds < limits.minAudioSeconds) {
      return "“" + name + "” lasts " + seconds.toFixed(1) + " s; a clip must last at least " + limits.minAudioSeconds + " s.";
    }
    return "";
  }

  imageInput.addEventListener("change", showImage);
  audioInput.addEventListener("change", showAudio);

  audioPlayer.addEventListener("loadedmetadata", function () {
    if (isFinite(audioPlayer.duration) && audioInput.files.length) {
      var name = audioInput.files[0].name, problem = lengthProblem(name, audioPlayer.duration);
      if (problem) {
        refuse(audioInput, audioPreview, problem);
        estimateLine.textContent = "No estimate: the audio is outside a limit (see above).";
        warning.hidden = true;
        return;
      }
      audioSeconds = audioPlayer.duration;
      audioCaption.textContent = name + " · " + audioSeconds.toFixed(1) + " s";
      showEstimate();
    }
  });
  audioPlayer.addEventListener("error", function () {
    if (!audioInput.files.length) return;
    estimateLine.textContent = "This browser cannot read the audio's length; the server will check the file and show the cost on the job page.";
  });

  form.addEventListener("change", function (event) {
    if (event.target.name === "model") showEstimate();
  });

  // --- Drop zones. The zone only listens; the input inside it keeps focus and clicks. ---
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
      var file = event.dataTransfer && event.dataTransfer.files[0];
      if (!file) return;
      if (!accepts(input, file)) {
        showTypeProblem(input, file); // the field keeps what it had
        return;
      }
      choose(input, file);
    });
  });

  // A file dropped beside a zone would make the browser leave the page to open it.
  ["dragover", "drop"].forEach(function (type) {
    window.addEventListener(type, function (event) {
      if (!event.target.closest || !event.target.closest(".dropzone")) event.preventDefault();
    });
  });

  // --- Samples: fetched as files and put into the inputs, so Create sends them as uploads. ---
  var samples = document.getElementById("samples");
  var samplesButton = document.getElementById("try-samples");
  var samplesStatus = document.getElementById("samples-status");
  samples.hidden = false;

  function fetchFile(url, name) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.blob();
    }).then(function (blob) {
      return new File([blob], name, { type: blob.type });
    });
  }

  samplesButton.addEventListener("click", function () {
    samplesButton.disabled = true;
    samplesStatus.textContent = "Loading the samples…";
    Promise.all([
      fetchFile(samplesButton.dataset.portrait, "sample-portrait.jpg"),
      fetchFile(samplesButton.dataset.speech, "sample-speech.ogg"),
    ]).then(function (files) {
      choose(imageInput, files[0]);
      choose(audioInput, files[1]);
      samplesStatus.textContent = "The sample portrait and speech are chosen: press Create video, or swap either for your own.";
    }).catch(function () {
      samplesStatus.textContent = "The samples could not be loaded; choose your own files.";
    }).finally(function () {
      samplesButton.disabled = false;
    });
  });

  var clearReused = document.getElementById("reused-portrait-clear");
  if (clearReused) {
    clearReused.hidden = false;
    clearReused.addEventListener("click", function () {
      forgetReusedPortrait();
      imageInput.focus();
    });
  }

  showPrice();
  var keptAudio = document.getElementById(audioInput.id + "_kept");
  if (keptAudio && keptAudio.dataset.seconds) {
    audioSeconds = parseFloat(keptAudio.dataset.seconds);
    showEstimate();
  }
  // Files chosen before this script ran (a fast user, or the browser restoring the form on
  // "back") never fired a change we could hear: show them now.
  if (imageInput.files.length) showImage();
  if (audioInput.files.length) showAudio();
})();
