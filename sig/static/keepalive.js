// While someone types in a form, the login is kept from ending idle: at most once a
// minute of typing, the page tells the server (POST, with the form token).  A page only
// left open sends nothing, so an unattended login still ends after the idle time.
(function () {
  "use strict";
  var marker = document.querySelector('meta[name="keep-alive"]');
  if (!marker || !window.fetch) {
    return;
  }
  var url = marker.getAttribute("data-url");
  var token = marker.getAttribute("content");
  var every = 60 * 1000;
  var last = Date.now();  // (loading the page kept it alive)
  document.addEventListener("input", function (event) {
    var now = Date.now();
    if (!event.target || !event.target.form || now - last < every) {
      return;
    }
    last = now;
    window.fetch(url, {method: "POST", credentials: "same-origin",
                       headers: {"X-CSRFToken": token}}).catch(function () {});
  });
}());
