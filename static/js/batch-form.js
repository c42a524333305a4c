// The batch form: drop zones, the portrait's preview, each clip measured against the server's
// limits (a clip over one is left out, with the reason), and the cost against the balance.
(function () {
  "use strict";
  var shared = window.avatarStudioMedia;
  var form = document.getElementById("batch-form");
  if (!form || !shared) return;
  var limits = JSON.parse(document.getElementById("media-limits").textContent);
  var showDollars = form.dataset.showDollars === "true";
  var imageInput = form.querySelector("input[name=image]");
  var clipsInput = form.querySelector("input[name=audio]");
  var imagePreview = document.getElementById("image-preview");
  var imageTag = document.getElementById("image-preview-img");
  var imageCaption = document.getElementById("image-preview-caption");
  var count = document.getElementById("batch-clip-count");
  var clipList = document.getElementById("batch-clips");
  var estimateLine = document.getElementById("cost-estimate");
  var warning = document.getElementById("cost-warning");
  var warningText = document.getElementById("cost-warning-text");
  var clips = []; // [{name, seconds}] of the clips the input holds, once measured
  var chosen = 0; // how many clips the input holds (measured or not)
  var measuring = 0; // which choice is being measured: an older one's answers are dropped

  function showProblem(input, text) {
    var message = document.getElementById(input.id + "_drop_error");
    message.hidden = !text;
    message.textContent = text || "";
  }

  function setFiles(input, files) {
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
  }

  // --- The portrait ---
  function showImage() {
    var file = imageInput.files[0];
    imagePreview.hidden = true;
    showProblem(imageInput, "");
    if (!file) return;
    var problem = !shared.accepts(imageInput, file)
      ? "“" + file.name + "” " + imageInput.closest(".dropzone").dataset.wrongType
      : shared.sizeProblem(file, limits.maxImageBytes, "portrait");
    if (problem) {
      imageInput.value = "";
      return showProblem(imageInput, problem);
    }
    shared.forgetKept(imageInput); // a new portrait replaces the one kept from the last try
    if (imageTag.src) URL.revokeObjectURL(imageTag.src);
    imageTag.onload = function () {
      var sides = shared.sideProblem(limits, file.name, imageTag.naturalWidth, imageTag.naturalHeight);
      if (sides) {
        imageInput.value = "";
        imagePreview.hidden = true;
        return showProblem(imageInput, sides);
      }
      imageCaption.textContent = file.name + " · " + imageTag.naturalWidth + "×" + imageTag.naturalHeight + " px";
      imagePreview.hidden = false;
    };
    imageTag.onerror = function () {
      imageCaption.textContent = file.name + " · this browser cannot show it; the server will check it.";
      imagePreview.hidden = false;
    };
    imageTag.src = URL.createObjectURL(file);
  }

  // --- The clips ---
  // A clip's length as the browser reads it (null when it cannot).
  function duration(file) {
    return new Promise(function (resolve) {
      var player = new Audio();
      var url = URL.createObjectURL(file);
      var done = function (seconds) {
        URL.revokeObjectURL(url);
        player.removeAttribute("src");
        resolve(seconds);
      };
      player.preload = "metadata";
      player.addEventListener("loadedmetadata", function () { done(isFinite(player.duration) ? player.duration : null); });
      player.addEventListener("error", function () { done(null); });
      player.src = url;
    });
  }

  // Why a clip would be refused before its length is known ("" when it may be measured).
  function fileProblem(file) {
    if (!shared.accepts(clipsInput, file)) return "“" + file.name + "” " + clipsInput.closest(".dropzone").dataset.wrongType;
    // An empty file is never given to a player: Chromium would log a failed range request.
    return shared.sizeProblem(file, limits.maxAudioBytes, "speech recording");
  }

  function listItem(text, refused) {
    var item = document.createElement("li");
    item.textContent = text;
    if (refused) item.className = "errors";
    clipList.append(item);
  }

  // Clips kept from a refused post (ticked boxes, sent back by token): they count, and are
  // priced, with the clips chosen now.
  function keptClips() {
    return Array.prototype.filter.call(form.querySelectorAll("input[name=kept_audio]"), function (box) {
      return box.checked;
    }).map(function (box) {
      var seconds = parseFloat(box.dataset.seconds);
      return { name: box.dataset.name, seconds: isFinite(seconds) ? seconds : null };
    });
  }

  function showTotal() {
    var total = chosen + keptClips().length;
    showProblem(clipsInput, total > limits.maxBatchSize
      ? "A batch holds at most " + limits.maxBatchSize + " clips; you chose " + total + "." : "");
    showCount(total);
    showEstimate();
  }

  function showClips() {
    var files = Array.prototype.slice.call(clipsInput.files);
    var generation = ++measuring;
    clips = [];
    chosen = files.length;
    clipList.replaceChildren();
    showTotal();
    Promise.all(files.map(function (file) {
      var problem = fileProblem(file);
      return problem ? Promise.resolve({ file: file, problem: problem }) : duration(file).then(function (seconds) {
        return { file: file, seconds: seconds, problem: seconds === null ? "" : shared.lengthProblem(limits, file.name, seconds) };
      });
    })).then(function (answers) {
      if (generation !== measuring) return;
      var kept = answers.filter(function (answer) { return !answer.problem; });
      answers.forEach(function (answer) {
        if (answer.problem) listItem(answer.problem + " Left out.", true);
        else listItem(answer.file.name + (answer.seconds === null ? " · length read by the server" : " · " + answer.seconds.toFixed(1) + " s"), false);
      });
      if (kept.length !== answers.length) setFiles(clipsInput, kept.map(function (answer) { return answer.file; }));
      clips = kept.map(function (answer) { return { name: answer.file.name, seconds: answer.seconds }; });
      chosen = kept.length;
      showTotal();
    });
  }

  function showCount(n) {
    count.textContent = n ? n + (n === 1 ? " clip" : " clips") + " chosen: " + n + (n === 1 ? " video" : " videos") + " will be made." : "";
  }

  function selectedModel() {
    var checked = form.querySelector("input[name=model]:checked");
    return checked ? checked.value : null;
  }

  // The server holds each clip's credits, each rounded up (batches.services.create_batch);
  // it is asked for the whole batch's cost, and an answer to an older question is dropped.
  var asked = 0;

  function showEstimate() {
    var key = selectedModel();
    var all = keptClips().concat(clips);
    var measured = all.filter(function (clip) { return clip.seconds !== null; });
    var ticket = ++asked;
    warning.hidden = true;
    if (!key || !measured.length) {
      estimateLine.textContent = "The estimated cost appears once you choose the clips (each clip's length × the model's price per second).";
      return;
    }
    var lengths = measured.map(function (clip) { return clip.seconds; });
    shared.fetchEstimate(form.dataset.estimateUrl, lengths, form).then(function (answer) {
      if (ticket !== asked || !answer || !answer.models[key]) return;
      showCost(answer.models[key], answer.balance, lengths, all.length - measured.length);
    });
  }

  function showCost(cost, balance, lengths, unread) {
    var seconds = lengths.reduce(function (sum, length) { return sum + length; }, 0);
    estimateLine.textContent = "Estimated cost: " + cost.credits + " credits" + (showDollars ? " ($" + cost.dollars + ")" : "") +
      " for " + lengths.length + (lengths.length === 1 ? " clip" : " clips") + ", " + seconds.toFixed(1) + " s of video in all" +
      (unread ? " (and " + unread + " whose length the server will read)" : "") + "; your balance is " + balance + " credits.";
    estimateLine.dataset.credits = cost.credits;
    if (cost.problem) {
      warning.hidden = false;
      warningText.textContent = "A clip is outside this model's limit: " + cost.problem;
    } else if (cost.credits > balance) {
      warning.hidden = false;
      warningText.textContent = "This batch would cost " + cost.credits + " credits, " + (cost.credits - balance) +
        " more than your balance. Choose fewer or shorter clips.";
    }
  }

  imageInput.addEventListener("change", showImage);
  clipsInput.addEventListener("change", showClips);
  form.addEventListener("change", function (event) {
    if (event.target.name === "model") shared.showModelParams(form);
    if (event.target.name === "model" || event.target.closest(".model-param")) showEstimate();
    if (event.target.name === "kept_audio") showTotal();
  });
  shared.showModelParams(form);
  shared.wireDropZones(form, function (input, files) {
    if (input === imageInput) files = files.slice(0, 1);
    setFiles(input, files);
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  // Files chosen before this script ran (or kept by the browser on going back), and clips kept
  // from the last try.
  if (imageInput.files.length) showImage();
  if (clipsInput.files.length) showClips();
  else if (keptClips().length) showTotal();
})();
