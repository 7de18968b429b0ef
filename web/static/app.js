// Progressive enhancement only: every page works without this file.

// A page shown in answer to a form sent the ordinary way (a refusal, a preview, an
// import's report; the server marks it data-posted) stands at the form's address, which a
// refresh would post again and which is no page of its own: the address becomes the page
// the form was sent from (without its notice of an earlier save), with the form's anchor.
(function () {
  if (!document.body || !document.body.hasAttribute("data-posted") || !history.replaceState) { return; }
  var from;
  try { from = new URL(document.referrer); } catch (err) { return; }
  if (from.origin !== location.origin) { return; }
  from.searchParams.delete("tb");
  history.replaceState(null, "", from.pathname + from.search + location.hash);
})();

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
// Listened for on the document, so that buttons htmx swaps in later ask too.
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
});

// What was typed and not yet saved is kept across an ended session: when a save (or a
// computed preview) comes back 401, every changed form's fields go to sessionStorage, a
// notice offers the sign-in page that returns here, and on return the fields are filled
// again for the user to save. Leaving the page with unsaved typing asks first.
(function () {
  var KEY = "parindex-chua-luu:" + location.pathname;
  var dirty = new Set();
  // The sign-in and password forms (data-no-draft), and any form with a password, are
  // never kept: a password must never reach the browser's storage.
  function keepable(form) {
    return !form.hasAttribute("data-no-draft") && !form.querySelector("input[type=password]");
  }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf" && el.name !== "expected_version" &&
        ["hidden", "file", "password", "submit", "button"].indexOf(el.type) < 0;
    });
  }
  // Several forms post to one address (a citation for each leaf): the leaf tells them apart.
  function keyOf(form) {
    var leaf = form.elements.leaf;
    return (form.getAttribute("action") || "") + (leaf && leaf.value ? "#" + leaf.value : "");
  }
  function typedIn(e) {
    var form = e.target.form;
    if (form && form.method === "post" && e.target.type !== "file" && keyOf(form) && keepable(form)) { dirty.add(form); }
  }
  document.addEventListener("input", typedIn);
  document.addEventListener("change", typedIn);
  // A form sent the ordinary way leaves the page: what it carries is kept in case the
  // session has ended and the answer is the sign-in page. One sent by htmx stays unsaved
  // until its answer comes back.
  document.addEventListener("submit", function (e) {
    if (!e.target.hasAttribute("hx-post")) {
      if (dirty.has(e.target)) { keep([e.target]); }
      dirty.delete(e.target);
    }
  });
  // The form that sent a request is in requestConfig: htmx reports the event on the
  // element it swapped (the leaf around the form), not on the form.
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.requestConfig && e.detail.requestConfig.elt;
    if (e.detail.successful && form && form.tagName === "FORM") { dirty.delete(form); }
  });
  // A save refused beside its field comes back with what was typed: still unsaved. Read
  // once the swap has settled: until then the new leaf still carries the old classes.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".has-error form[hx-post]").forEach(function (form) { dirty.add(form); });
  });
  // A form replaced by its saved self is no longer on the page: nothing of it is unsaved.
  function unsaved() {
    dirty.forEach(function (form) { if (!document.contains(form)) { dirty.delete(form); } });
    return dirty.size > 0;
  }
  window.addEventListener("beforeunload", function (e) {
    if (unsaved()) { e.preventDefault(); e.returnValue = ""; }
  });
  // What was typed in forms, by form (keyOf): each field's value ("" for a box not ticked).
  function drafted(forms) {
    var drafts = {};
    forms.filter(keepable).forEach(function (form) {
      var values = {};
      fields(form).forEach(function (el) {
        values[el.name] = el.type === "checkbox" ? (el.checked ? el.value : "") : el.value;
      });
      if (Object.keys(values).length > 0) { drafts[keyOf(form)] = values; }
    });
    return drafts;
  }
  // Puts what was typed back into a form, which stays unsaved. Each field says it changed,
  // as if typed: the computed points follow, «Không áp dụng» disables the score again.
  // Puts typed values back into a form; returns how many fields it changed (a form whose
  // fields already hold them is left as it is, and not marked unsaved).
  function fillIn(form, values) {
    var changed = 0;
    fields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      if (el.type === "checkbox") {
        var checked = values[el.name] !== "";
        if (el.checked === checked) { return; }
        el.checked = checked;
      } else {
        if (el.value === values[el.name]) { return; }
        el.value = values[el.name];
      }
      changed += 1;
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    if (changed > 0) { dirty.add(form); }
    return changed;
  }
  function keep(forms) {
    var drafts = drafted(forms);
    if (Object.keys(drafts).length > 0) {
      try { sessionStorage.setItem(KEY, JSON.stringify(drafts)); } catch (err) { /* full */ }
    }
  }
  // A change in place of one of a leaf's forms (an upload, a citation, a file taken off)
  // brings the whole leaf back as stored: what was typed in its other forms and not yet
  // saved is carried across the swap and put back, still unsaved.
  var carried = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    var sender = e.detail.requestConfig && e.detail.requestConfig.elt;
    carried = null;
    if (!target || !target.id) { return; }
    var forms = Array.from(dirty).filter(function (form) {
      return form !== sender && target.contains(form);
    });
    if (forms.length > 0) { carried = { old: target, id: target.id, drafts: drafted(forms) }; }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var was = carried;
    carried = null;
    // Not swapped (an error page is never swapped in): the forms still hold the typing.
    if (!was || document.contains(was.old)) { return; }
    var swapped = document.getElementById(was.id);
    if (!swapped) { return; }
    swapped.querySelectorAll("form[action]").forEach(function (form) {
      var values = was.drafts[keyOf(form)];
      if (values) { fillIn(form, values); }
    });
  });
  function expired() {
    keep(Array.from(dirty));
    dirty.clear(); // kept: leaving for the sign-in page must not ask
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
  // Back after signing in: what was typed, filled again, each form where something came
  // back marked (a value the page already shows is not news). Arriving any other way (the
  // form was saved), what was kept is dropped.
  var saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (err) { saved = null; }
  sessionStorage.removeItem(KEY);
  var fromSignIn = document.referrer.indexOf("/dang-nhap") >= 0;
  if (saved && fromSignIn) {
    document.querySelectorAll("form[action]").forEach(function (form) {
      var values = saved[keyOf(form)];
      if (!values || !keepable(form)) { return; }
      if (fillIn(form, values) === 0) { return; }
      var note = document.createElement("p");
      note.className = "notice restored";
      note.setAttribute("role", "status");
      note.textContent = "Đã khôi phục nội dung bạn nhập trước khi phiên hết hạn — hãy kiểm tra rồi bấm Lưu.";
      form.prepend(note);
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

// Saving in place (htmx): what a request is doing, said beside its form's button; the
// button locked while it runs; a refusal's fragment (marked by the server) swapped in
// with its status (422, 409, 403) so the message shows beside the field with what was
// typed; a failure of the network or the server said in words, the typing left as it was.
(function () {
  if (!window.htmx) { return; }
  var SAVE_TIMEOUT = 30000;
  // A refused form comes back with its status (403, 409, 422) and the form again, what
  // was typed and the message beside the field; the server says how to swap such an
  // answer (HX-Reswap, pages::in_place) and it is shown in place. Other error answers (an
  // error page) are never swapped into a form.
  function refusedForm(xhr) {
    return xhr.getResponseHeader("HX-Reswap");
  }
  function formOf(e) {
    var elt = e.detail.requestConfig ? e.detail.requestConfig.elt : e.detail.elt;
    return elt && elt.tagName === "FORM" ? elt : null;
  }
  function isUpload(form) { return form.enctype === "multipart/form-data"; }
  function say(form, text, failed) {
    var box = form.querySelector(".save-state");
    if (!box || !document.contains(form)) { return; }
    box.textContent = "";
    var span = document.createElement("span");
    span.className = failed ? "alert" : "pending";
    span.textContent = text;
    box.appendChild(span);
  }
  function unlock(form) {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    var bar = form.querySelector("progress.upload-progress");
    if (bar) { bar.hidden = true; }
  }
  // An upload may take minutes on a slow line; a save should answer within seconds.
  document.addEventListener("htmx:configRequest", function (e) {
    var form = formOf(e);
    e.detail.timeout = form && isUpload(form) ? 0 : SAVE_TIMEOUT;
  });
  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = formOf(e);
    if (!form) { return; }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    say(form, isUpload(form) ? "Đang tải lên…" : "Đang lưu…", false);
    var bar = form.querySelector("progress.upload-progress");
    if (bar) { bar.value = 0; bar.hidden = false; }
  });
  // Upload progress: the request's upload events (htmx also reports the answer's download,
  // which is smaller than the file; those are left out).
  document.addEventListener("htmx:xhr:progress", function (e) {
    var form = formOf(e) || (e.target && e.target.tagName === "FORM" ? e.target : null);
    if (!form || !isUpload(form) || !e.detail.lengthComputable) { return; }
    var input = form.querySelector("input[type=file]");
    var size = input && input.files && input.files[0] ? input.files[0].size : 0;
    if (e.detail.total < size) { return; }
    var bar = form.querySelector("progress.upload-progress");
    var percent = Math.floor(e.detail.loaded * 100 / e.detail.total);
    if (bar) { bar.hidden = false; bar.value = percent; }
    say(form, percent < 100 ? "Đang tải lên… " + percent + "%" : "Đang kiểm tra tệp…", false);
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.status < 500 && refusedForm(xhr)) {
      e.detail.shouldSwap = true;
    }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = formOf(e);
    if (form && document.contains(form)) { unlock(form); }
  });
  document.addEventListener("htmx:responseError", function (e) {
    var form = formOf(e);
    var xhr = e.detail.xhr;
    if (!form || !xhr || xhr.status === 401 || refusedForm(xhr)) { return; }
    say(form, "Không lưu được (lỗi " + xhr.status + "). Nội dung bạn nhập vẫn còn trên trang; thử lại, hoặc tải lại trang nếu lỗi lặp lại.", true);
  });
  document.addEventListener("htmx:sendError", function (e) {
    var form = formOf(e);
    if (!form) { return; }
    unlock(form);
    say(form, "Không gửi được — kiểm tra kết nối mạng. Nội dung bạn nhập vẫn còn trên trang; bấm lại khi có mạng.", true);
  });
  document.addEventListener("htmx:timeout", function (e) {
    var form = formOf(e);
    if (!form) { return; }
    unlock(form);
    say(form, "Máy chủ chưa trả lời sau " + SAVE_TIMEOUT / 1000 + " giây — có thể chưa lưu. Nội dung vẫn còn trên trang; bấm «Lưu» lại (lưu lại cùng nội dung không tạo bản trùng).", true);
  });
})();

// «Dùng tệp đã tải lên» on every leaf offers the unit's files not yet on it. A change of
// evidence in place (an upload, a reuse, a removal) brings the unit's file list again
// (#tep-don-vi, out of band, a line per file): every leaf's list is rebuilt from it, so a
// file just uploaded on one leaf can be used on another without a reload, and a removed
// one is no longer offered. What was chosen in a list stays chosen.
(function () {
  var seen = null;
  function refresh() {
    var list = document.getElementById("tep-don-vi");
    if (!list || list.innerHTML === seen) { return; }
    seen = list.innerHTML;
    var files = Array.from(list.children).map(function (li) {
      return { id: li.getAttribute("data-id"), leaves: li.getAttribute("data-leaves").split(" "), text: li.textContent };
    });
    document.querySelectorAll("form.reuse").forEach(function (form) {
      var leaf = form.elements.leaf.value;
      var select = form.elements.file_id;
      var chosen = select.value;
      var offered = files.filter(function (f) { return f.leaves.indexOf(leaf) < 0; });
      while (select.options.length > 1) { select.remove(1); }
      offered.forEach(function (f) { select.add(new Option(f.text, f.id, false, f.id === chosen)); });
      form.hidden = offered.length === 0;
    });
  }
  var first = document.getElementById("tep-don-vi");
  if (first) { seen = first.innerHTML; } // as the page was rendered
  document.addEventListener("htmx:afterSettle", refresh);
})();

// A text with a limit (data-counter: the most characters allowed) says how much is left
// once it nears the limit; an explanation box grows with its text.
(function () {
  function count(area) {
    var max = parseInt(area.getAttribute("data-counter"), 10);
    if (!max) { return; }
    var used = Array.from(area.value).length;
    var note = area.nextElementSibling;
    if (!note || !note.classList.contains("counter")) {
      note = document.createElement("small");
      note.className = "counter";
      note.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", note);
    }
    var fmt = function (n) { return n.toLocaleString("vi-VN"); };
    note.hidden = used < max * 0.8;
    note.classList.toggle("over", used > max);
    note.textContent = used > max
      ? "Vượt " + fmt(used - max) + " ký tự so với giới hạn " + fmt(max) + " — hãy rút gọn trước khi lưu."
      : fmt(used) + " / " + fmt(max) + " ký tự";
  }
  function grow(area) {
    if (!area.matches("textarea") || area.readOnly) { return; }
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }
  function all(root) {
    root.querySelectorAll("textarea[data-counter]").forEach(count);
    root.querySelectorAll("textarea[data-grow], textarea[data-counter]").forEach(grow);
  }
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-counter]")) { count(e.target); }
    if (e.target.matches && e.target.matches("textarea[data-grow], textarea[data-counter]")) { grow(e.target); }
  });
  all(document);
  document.addEventListener("htmx:afterSwap", function () { all(document); });
})();
// The sign-in page says typing was kept only when the page it returns to has some kept.
(function () {
  document.querySelectorAll("[data-drafts-for]").forEach(function (el) {
    var path;
    try { path = new URL(el.getAttribute("data-drafts-for"), location.origin).pathname; } catch (err) { return; }
    var kept = null;
    try { kept = sessionStorage.getItem("parindex-chua-luu:" + path); } catch (err) { kept = null; }
    if (kept && kept !== "{}" && kept !== "null") { el.hidden = false; }
  });
})();
