// Create form: a script instead of a recording. Counts the script's characters against the
// server's limit, shows what it costs at most (asked of the server: GET /estimate/script/,
// the rule the hold uses), and plays a sample of the chosen voice.
(function () {
  "use strict";

  var form = document.getElementById("create-form");
  var script = document.getElementById("id_script");
  if (!form || !script) return;
  var limits = JSON.parse(document.getElementById("media-limits").textContent);
  var showDollars = form.dataset.showDollars === "true";
  var audioInput = form.querySelector("input[name=audio]");
  var voice = document.getElementById("id_voice");
  var count = document.getElementById("script-count");
  var estimateLine = document.getElementById("cost-estimate");
  var warning = document.getElementById("cost-warning");
  var warningText = document.getElementById("cost-warning-text");
  var previewButton = document.getElementById("voice-preview");
  var player = document.getElementById("voice-preview-player");
  var previewStatus = document.getElementById("voice-preview-status");
  var timer = null, asked = 0;

  function selectedModel() {
    var checked = form.querySelector("input[name=model]:checked");
    return checked ? checked.value : null;
  }

  function scriptLength() {
    return script.value.trim().length;
  }

  function showCount() {
    var length = scriptLength();
    count.textContent = length ? length + " of " + limits.maxScriptCharacters + " characters" +
      (length > limits.maxScriptCharacters ? ": too long, shorten the script." : ".") : "";
  }

  function showEstimate() {
    var length = scriptLength(), key = selectedModel();
    if (!length || length > limits.maxScriptCharacters || audioInput.files.length || !key) return;
    var ticket = ++asked;
    fetch(form.dataset.scriptEstimateUrl + "?characters=" + length, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; })
      .then(function (answer) {
        if (ticket !== asked || !answer || !answer.models[key]) return;
        var cost = answer.models[key], over = cost.credits > answer.balance;
        estimateLine.textContent = "Estimated cost: at most " + cost.credits + " credits" +
          (showDollars ? " ($" + cost.dollars + ")" : "") + " (the speech of " + length + " characters, " +
          answer.speech.credits + " credits, and up to " + cost.seconds.toFixed(1) + " s of video); you pay for the video's real length. " +
          "Your balance is " + answer.balance + " credits.";
        estimateLine.classList.toggle("over-balance", over);
        estimateLine.dataset.credits = cost.credits;
        warning.hidden = !over;
        warningText.textContent = over ? "This script could cost up to " + cost.credits + " credits, " +
          (cost.credits - answer.balance) + " more than your balance. Shorten the script." : "";
      });
  }

  script.addEventListener("input", function () {
    showCount();
    clearTimeout(timer);
    timer = setTimeout(showEstimate, 300);
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "model") showEstimate();
  });

  previewButton.addEventListener("click", function () {
    previewStatus.textContent = "Loading a sample of " + voice.options[voice.selectedIndex].text + "…";
    player.src = previewButton.dataset.url.replace("/af_heart/", "/" + encodeURIComponent(voice.value) + "/");
    player.play().then(function () {
      previewStatus.textContent = "Playing a sample of " + voice.options[voice.selectedIndex].text + ".";
    }).catch(function () {
      previewStatus.textContent = "The sample could not be played just now.";
    });
  });
  player.addEventListener("ended", function () {
    previewStatus.textContent = "";
  });

  showCount();
  showEstimate();
})();
