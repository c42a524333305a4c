// Create form: drop zones and samples that fill the real file inputs, instant previews, and
// the estimated cost against the balance before anything is sent.
(function () {
  "use strict";

  var shared = window.avatarStudioMedia;
  var accepts = shared.accepts;

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

  // Each question to the server gets a ticket; an answer to an older one (the audio or the
  // model changed meanwhile) is dropped, as is one to a question another message replaced.
  var asked = 0;

  function sayInstead(text) {
    asked += 1;
    estimateLine.textContent = text;
    warning.hidden = true;
  }

  function showEstimate() {
    showPrice();
    var key = selectedModel();
    if (audioSeconds === null || !prices[key]) return;
    var seconds = audioSeconds, ticket = ++asked;
    shared.fetchEstimate(form.dataset.estimateUrl, [seconds], form).then(function (answer) {
      if (ticket !== asked || !answer || !answer.models[key]) return;
      showCost(key, seconds, answer);
    });
  }

  function showCost(key, seconds, answer) {
    var cost = answer.models[key];
    balance = answer.balance;
    if (cost.problem) {
      // Too long (or short) for this model with these settings: say so before anything is sent.
      estimateLine.textContent = "No estimate: " + cost.problem;
      estimateLine.dataset.problem = cost.problem;
      warningText.textContent = cost.problem + " Choose shorter audio or another model or setting.";
      warning.hidden = false;
      return;
    }
    delete estimateLine.dataset.problem;
    var over = cost.credits > balance;
    estimateLine.textContent = showDollars
      ? "Estimated cost: $" + cost.dollars + " (" + seconds.toFixed(1) + " s of video × $" + prices[key] +
        " per second) = " + cost.credits + " credits; your balance is " + balance + " credits."
      : "Estimated cost: " + cost.credits + " credits (" + seconds.toFixed(1) + " s of video × " + creditPrices[key] +
        " credits per second); your balance is " + balance + " credits.";
    estimateLine.classList.toggle("over-balance", over);
    estimateLine.dataset.cost = cost.dollars;
    estimateLine.dataset.credits = cost.credits;
    warning.hidden = !over;
    // Another model whose cost for this audio the balance covers.
    var cheaper = Object.keys(answer.models).filter(function (other) {
      return other !== key && answer.models[other].credits <= balance;
    })[0];
    warningText.textContent = over
      ? "This video would cost " + cost.credits + " credits, " + (cost.credits - balance) + " more than your balance. " +
        (cheaper ? "Choose shorter audio or " + modelLabel(cheaper) + " (" + answer.models[cheaper].credits + " credits)." : "Choose shorter audio.")
      : "";
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

  var sizeProblem = shared.sizeProblem;

  var forgetKept = shared.forgetKept;

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
      var sides = shared.sideProblem(limits, file.name, width, height);
      if (sides) return refuse(imageInput, imagePreview, sides);
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

  function lengthProblem(name, seconds) {
    return shared.lengthProblem(limits, name, seconds);
  }

  imageInput.addEventListener("change", showImage);
  audioInput.addEventListener("change", showAudio);

  audioPlayer.addEventListener("loadedmetadata", function () {
    if (isFinite(audioPlayer.duration) && audioInput.files.length) {
      var name = audioInput.files[0].name, problem = lengthProblem(name, audioPlayer.duration);
      if (problem) {
        refuse(audioInput, audioPreview, problem);
        sayInstead("No estimate: the audio is outside a limit (see above).");
        return;
      }
      audioSeconds = audioPlayer.duration;
      audioCaption.textContent = name + " · " + audioSeconds.toFixed(1) + " s";
      showEstimate();
    }
  });
  audioPlayer.addEventListener("error", function () {
    if (!audioInput.files.length) return;
    sayInstead("This browser cannot read the audio's length; the server will check the file and show the cost on the job page.");
  });

  form.addEventListener("change", function (event) {
    if (event.target.name === "model") shared.showModelParams(form);
    if (event.target.name === "model" || event.target.closest(".model-param")) showEstimate();
  });

  shared.wireDropZones(form, function (input, files) {
    if (!accepts(input, files[0])) {
      showTypeProblem(input, files[0]); // the field keeps what it had
      return;
    }
    choose(input, files[0]);
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

  shared.showModelParams(form);
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
