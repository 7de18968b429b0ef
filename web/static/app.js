// Progressive enhancement only: every page works without this file.
// Live countdown to a deadline, in Vietnamese. It counts from the server's clock (data-now),
// not the computer's, which in many offices is wrong by minutes or hours.
(function () {
  var loaded = Date.now();
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-deadline"));
      var serverNow = Date.parse(el.getAttribute("data-now"));
      if (isNaN(end)) { return; }
      var now = isNaN(serverNow) ? Date.now() : serverNow + (Date.now() - loaded);
      var left = Math.floor((end - now) / 1000);
      if (left < 0) { el.textContent = "Đã hết hạn. Tải lại trang để xem trạng thái."; return; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = "Còn " + (d ? d + " ngày " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
    });
  }
  tick();
  setInterval(tick, 1000);
})();

// A filter that applies as soon as it is chosen (the page has a button for when this file
// is not loaded). No inline handlers: the Content-Security-Policy allows none.
document.querySelectorAll("select[data-submit-on-change]").forEach(function (el) {
  el.addEventListener("change", function () { el.form.submit(); });
});

// A button whose action is hard to take back asks first (data-confirm holds the question).
document.querySelectorAll("[data-confirm]").forEach(function (el) {
  el.addEventListener("click", function (event) {
    if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
});
