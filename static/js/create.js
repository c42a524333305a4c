// Create form: instant previews of the chosen files and the estimated cost before submitting.
(function () {
  "use strict";
  var form = document.getElementById("create-form");
  if (!form) return;
  var prices = JSON.parse(document.getElementById("model-prices").textContent);
  var creditPrices = JSON.parse(document.getElementById("model-credit-prices").textContent);
  var balance = JSON.parse(document.getElementById("credit-balance").textContent);
  var imageInput = form.querySelector("input[name=image]");
  var audioInput = form.querySelector("input[name=audio]");
  var imagePreview = document.getElementById("image-preview");
  var imageTag = document.getElementById("image-preview-img");
  var imageCaption = document.getElementById("image-preview-caption");
  var audioPreview = document.getElementById("audio-preview");
  var audioPlayer = document.getElementById("audio-preview-player");
  var audioCaption = document.getElementById("audio-preview-caption");
  var estimate = document.getElementById("cost-estimate");
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

  function showEstimate() {
    var price = prices[selectedModel()];
    if (audioSeconds === null || !price) return;
    var cost = (parseFloat(price) * audioSeconds).toFixed(2);
    // The server holds ceil(seconds × credits per second); the small margin absorbs float noise.
    var credits = Math.ceil(creditPrices[selectedModel()] * audioSeconds - 1e-9);
    estimate.textContent = "Estimated cost: $" + cost + " (" + audioSeconds.toFixed(1) + " s of video × $" + price + " per second)" +
      " = " + credits + " credits; your balance is " + balance + " credits." +
      (credits > balance ? " That is more than your balance: choose shorter audio or the standard model." : "");
    estimate.classList.toggle("over-balance", credits > balance);
    estimate.dataset.cost = cost;
    estimate.dataset.credits = credits;
  }

  function showImage() {
    var file = imageInput.files[0];
    imagePreview.hidden = !file;
    if (!file) return;
    imageTag.src = objectUrl("image", file);
    imageCaption.textContent = file.name;
    imageTag.onload = function () {
      imageCaption.textContent = file.name + " · " + imageTag.naturalWidth + "×" + imageTag.naturalHeight + " px";
    };
    imageTag.onerror = function () {
      imageCaption.textContent = file.name + " · this browser cannot show it; the server will check it.";
    };
  }

  function showAudio() {
    var file = audioInput.files[0];
    audioSeconds = null;
    audioPreview.hidden = !file;
    if (!file) return;
    audioCaption.textContent = file.name;
    audioPlayer.src = objectUrl("audio", file);
  }

  imageInput.addEventListener("change", showImage);
  audioInput.addEventListener("change", showAudio);

  audioPlayer.addEventListener("loadedmetadata", function () {
    if (isFinite(audioPlayer.duration)) {
      audioSeconds = audioPlayer.duration;
      showEstimate();
    }
  });
  audioPlayer.addEventListener("error", function () {
    estimate.textContent = "This browser cannot read the audio's length; the server will check the file and show the cost on the job page.";
  });

  form.addEventListener("change", function (event) {
    if (event.target.name === "model") showEstimate();
  });

  // Files chosen before this script ran (a fast user, or the browser restoring the form on
  // "back") never fired a change we could hear: show them now.
  if (imageInput.files.length) showImage();
  if (audioInput.files.length) showAudio();
})();
