// The login and a page left quiet (the server ends a login after its idle time):
// - while someone types in a form, the page tells the server at most once a minute
//   (POST with the form token), so writing long minutes does not end the login;
// - two minutes before the idle time would end it, a warning with a button to stay
//   logged in (WCAG 2.2.1); if the login has ended meanwhile, the warning says so.
// A page only left open sends nothing by itself, so an unattended login still ends.
(function () {
  "use strict";
  var marker = document.querySelector('meta[name="keep-alive"]');
  if (!marker || !window.fetch) {
    return;
  }
  var url = marker.getAttribute("data-url");
  var token = marker.getAttribute("content");
  var idle = parseInt(marker.getAttribute("data-idle-seconds"), 10) * 1000;
  var warnBefore = 2 * 60 * 1000;
  var every = 60 * 1000;
  var warning = document.getElementById("idle-warning");
  var lastSent = Date.now();     // loading the page kept the login alive
  var lastKept = lastSent;

  function part(name) {
    return warning.querySelector('[data-when="' + name + '"]');
  }

  function show(name) {
    part("soon").hidden = name !== "soon";
    part("ended").hidden = name !== "ended";
    warning.hidden = name === null;
  }

  function keepAlive() {
    lastSent = Date.now();
    return window.fetch(url, {method: "POST", credentials: "same-origin",
                              headers: {"X-CSRFToken": token}, redirect: "manual"})
      .then(function (response) {
        if (response.status === 204) {
          lastKept = Date.now();
          if (warning) {
            show(null);
          }
        } else if (warning) {
          show("ended");
        }
      })
      .catch(function () {});
  }

  document.addEventListener("input", function (event) {
    if (event.target && event.target.form && Date.now() - lastSent >= every) {
      keepAlive();
    }
  });
  if (!warning || !(idle > warnBefore)) {
    return;
  }
  document.getElementById("stay-logged-in").addEventListener("click", keepAlive);
  window.setInterval(function () {
    if (warning.hidden && Date.now() - lastKept >= idle - warnBefore) {
      show("soon");
    }
  }, 5000);
}());
