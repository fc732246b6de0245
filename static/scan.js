// The door's camera page: read a ticket's QR code with the browser's BarcodeDetector and open
// that ticket's check-in page. Where the browser has no BarcodeDetector (or no camera), the page
// keeps its name search and says so.
(function () {
  "use strict";
  var root = document.querySelector("[data-scanner]");
  if (!root) return;
  var start = root.querySelector(".scanner-start");
  var video = root.querySelector(".scanner-video");
  var status = root.querySelector(".scanner-status");
  var unsupported = root.querySelector(".scanner-unsupported");
  var prefix = root.getAttribute("data-prefix");
  var say = function (name) { status.textContent = root.getAttribute("data-" + name) || ""; };
  var stream = null;

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
  }

  // The code holds the service's public address; only its path is followed, on our own origin.
  function ticketPath(text) {
    var url;
    try { url = new URL(text, window.location.href); } catch (e) { return null; }
    if (url.pathname.indexOf(prefix) !== 0 || url.pathname.length <= prefix.length) return null;
    return url.pathname + "?for=" + encodeURIComponent(root.getAttribute("data-event"));
  }

  function scan(detector) {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      for (var i = 0; i < codes.length; i++) {
        var path = ticketPath(codes[i].rawValue);
        if (path) {
          say("opening");
          stop();
          window.location.assign(path);
          return;
        }
        say("not-ticket");
      }
      window.setTimeout(function () { scan(detector); }, 250);
    }, function () { window.setTimeout(function () { scan(detector); }, 500); });
  }

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) return;
    unsupported.hidden = true;
    start.hidden = false;
    start.addEventListener("click", function () {
      say("starting");
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          start.hidden = true;
          return video.play();
        })
        .then(function () {
          say("looking");
          scan(new window.BarcodeDetector({ formats: ["qr_code"] }));
        })
        .catch(function () { stop(); say("denied"); });
    });
  });
  window.addEventListener("pagehide", stop);
})();
