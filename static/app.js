// Small progressive enhancements; pages work without them. Loaded from our own origin only
// (the Content-Security-Policy allows no inline script).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  var done = function () {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || label;
    setTimeout(function () { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});

// A destructive form asks first (data-confirm="question"); inline handlers are forbidden by our CSP.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

// A link to a closed <details> (the invite page's language picker) opens it.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-open-details]");
  if (!link) return;
  var target = document.getElementById(link.getAttribute("href").slice(1));
  if (target && target.tagName === "DETAILS") target.open = true;
});
