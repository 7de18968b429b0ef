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

// What was typed and not yet saved is kept across an ended session: when a save (or a
// computed preview) comes back 401, every changed form's fields go to sessionStorage, a
// notice offers the sign-in page that returns here, and on return the fields are filled
// again for the user to save. Leaving the page with unsaved typing asks first.
(function () {
  var KEY = "parindex-chua-luu:" + location.pathname;
  var dirty = new Set();
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf" && el.name !== "expected_version" &&
        ["hidden", "file", "password", "submit", "button"].indexOf(el.type) < 0;
    });
  }
  function keyOf(form) { return form.getAttribute("action") || ""; }
  document.addEventListener("input", function (e) {
    var form = e.target.form;
    if (form && form.method === "post" && keyOf(form)) { dirty.add(form); }
  });
  document.addEventListener("change", function (e) {
    var form = e.target.form;
    if (form && form.method === "post" && keyOf(form)) { dirty.add(form); }
  });
  // A form sent the ordinary way leaves the page; one sent by htmx stays unsaved until
  // its answer comes back.
  document.addEventListener("submit", function (e) {
    if (!e.target.hasAttribute("hx-post")) { dirty.delete(e.target); }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("form");
    if (e.detail.successful && form && e.detail.elt === form) { dirty.delete(form); }
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty.size > 0) { e.preventDefault(); e.returnValue = ""; }
  });
  function keep() {
    var drafts = {};
    dirty.forEach(function (form) {
      var values = {};
      fields(form).forEach(function (el) {
        values[el.name] = el.type === "checkbox" ? (el.checked ? el.value : "") : el.value;
      });
      drafts[keyOf(form)] = values;
    });
    if (Object.keys(drafts).length > 0) {
      try { sessionStorage.setItem(KEY, JSON.stringify(drafts)); } catch (err) { /* full */ }
    }
    dirty.clear(); // kept: leaving for the sign-in page must not ask
  }
  function expired() {
    keep();
    if (document.getElementById("phien-het-han")) { return; }
    var back = location.pathname + location.search;
    var box = document.createElement("div");
    box.id = "phien-het-han";
    box.className = "alert session-ended";
    box.setAttribute("role", "alert");
    box.appendChild(document.createTextNode("Phiên đăng nhập đã hết hạn — "));
    var link = document.createElement("a");
    link.href = "/dang-nhap?tiep=" + encodeURIComponent(back);
    link.textContent = "đăng nhập lại";
    box.appendChild(link);
    box.appendChild(document.createTextNode(". Những gì bạn vừa nhập được giữ lại và sẽ hiện lại sau khi đăng nhập."));
    document.querySelector("main").prepend(box);
  }
  document.addEventListener("htmx:responseError", function (e) {
    if (e.detail.xhr && e.detail.xhr.status === 401) { expired(); }
  });
  // Back after signing in: what was typed, filled again, each form marked.
  var saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (err) { saved = null; }
  if (saved) {
    sessionStorage.removeItem(KEY);
    document.querySelectorAll("form[action]").forEach(function (form) {
      var values = saved[keyOf(form)];
      if (!values) { return; }
      fields(form).forEach(function (el) {
        if (!(el.name in values)) { return; }
        if (el.type === "checkbox") { el.checked = values[el.name] !== ""; } else { el.value = values[el.name]; }
      });
      var note = document.createElement("p");
      note.className = "notice restored";
      note.setAttribute("role", "status");
      note.textContent = "Đã khôi phục nội dung bạn nhập trước khi phiên hết hạn — hãy kiểm tra rồi bấm Lưu.";
      form.prepend(note);
      dirty.add(form);
    });
  }
})();

// «Không áp dụng» ticked: the leaf's score inputs do not apply, so they are disabled (the
// server ignores them for such a leaf); unticked, they come back.
(function () {
  function sync(box) {
    var form = box.form;
    if (!form) { return; }
    form.querySelectorAll(".inputs input:not([type=hidden]), .inputs select").forEach(function (el) {
      el.disabled = box.checked;
    });
  }
  function all(root) {
    root.querySelectorAll("input[name=not_applicable]").forEach(sync);
  }
  document.addEventListener("change", function (e) {
    if (e.target.name === "not_applicable") { sync(e.target); }
  });
  all(document);
  document.addEventListener("htmx:afterSwap", function () { all(document); });
})();
