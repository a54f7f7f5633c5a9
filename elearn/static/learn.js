/* elearn learner pages: a small progressive enhancement, no dependencies.
 * Every form works without this file. With it:
 *  - quiz answers are saved as they change (the same POST as the Save button, asking for
 *    JSON), retried when the connection returns, so a dropped connection loses nothing;
 *  - ordering selects swap positions so each position is used once;
 *  - the quiz clock counts down (the server's deadline is what counts; at zero the page
 *    reloads and the server closes the attempt);
 *  - a form marked data-once cannot be sent twice by a double click;
 *  - a lesson's "studied" buttons wait for the reading time, counting it down;
 *  - after an autosave the question list marks the question answered.
 * Texts come translated from data- attributes in the page. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? h + ":" + pad(m) + ":" + pad(r) : m + ":" + pad(r);
  }
  function countdown(el, seconds, onTick, onZero) {
    var end = Date.now() + 1000 * seconds;
    var timer = setInterval(tick, 1000);
    function tick() {
      /* Rounded up: at zero the server's time is surely up too (never enable early). */
      var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (onTick) { onTick(left); }
      if (left === 0) { clearInterval(timer); onZero(); }
    }
  }

  /* The quiz clock. */
  Array.prototype.forEach.call(document.querySelectorAll("[data-clock]"), function (el) {
    countdown(el, parseInt(el.getAttribute("data-clock"), 10) || 0,
      function (left) { el.textContent = clock(left); },
      function () { if (el.getAttribute("data-on-zero") === "reload") { window.location.reload(); } });
  });

  /* Reading time of a lesson: the server says how many seconds are left; the buttons wait
   * until then and enable themselves. The sentence is role=timer (not read out every
   * second); a separate aria-live region announces once that the lesson may be marked.
   * No network: if the local clock runs ahead the server refuses and says so at #study. */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-reading-seconds]"), function (form) {
    var seconds = parseInt(form.getAttribute("data-reading-seconds"), 10) || 0;
    var hint = document.getElementById("reading-time");
    var ready = document.getElementById("reading-ready");
    var buttons = form.querySelectorAll("button[type=submit]");
    if (seconds <= 0 || !hint || !ready) { return; }
    var number = hint.getAttribute("data-number");
    function enable(on) {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = !on; });
    }
    enable(false);
    countdown(hint, seconds,
      function (left) {
        hint.textContent = left === 1 ? hint.getAttribute("data-one")
          : hint.getAttribute("data-other").replace(number, String(left));
      },
      function () {
        hint.hidden = true;
        ready.textContent = ready.getAttribute("data-ready");
        enable(true);
      });
  });

  /* Forms that must go once. */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
  });

  /* Ordering: choosing a position another item has swaps the two. */
  Array.prototype.forEach.call(document.querySelectorAll("select.position"), function (select) {
    select.setAttribute("data-value", select.value);
    select.addEventListener("change", function () {
      var old = select.getAttribute("data-value");
      var list = select.closest("fieldset");
      Array.prototype.forEach.call(list.querySelectorAll("select.position"), function (other) {
        if (other !== select && select.value !== "" && other.value === select.value) {
          other.value = old;
          other.setAttribute("data-value", old);
        }
      });
      select.setAttribute("data-value", select.value);
    });
  });

  /* Autosave. */
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("save-status");
  var busy = false, again = false, dirty = false, timer = null, retry = null;

  function say(text, kind) {
    status.textContent = text;
    status.className = "save-status " + kind;
  }
  /* The question list shows this question answered, as the next page load would. */
  function markAnswered() {
    var nav = form.querySelector("nav.qnav");
    var button = nav && nav.querySelector("button[aria-current=step]");
    if (!button) { return; }
    var label = button.getAttribute("data-label") || button.getAttribute("aria-label")
      .replace(/ \(.*\)$/, "");
    button.setAttribute("data-label", label);
    button.classList.add("answered");
    button.setAttribute("aria-label", label + " (" + nav.getAttribute("data-answered") + ")");
  }
  function schedule(delay) {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }
  function save() {
    clearTimeout(retry);
    if (busy) { again = true; return; }
    busy = true; again = false; dirty = false;
    var data = new FormData(form);
    data.set("go", "save");
    say(status.getAttribute("data-saving"), "saving");
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      busy = false;
      if (result.body.redirect) { window.location.assign(result.body.redirect); return; }
      if (result.ok && result.body.saved) {
        say(result.body.message, "saved");
        markAnswered();  /* the server holds an answer now, as a reload would show */
      } else {
        say(result.body.message || status.getAttribute("data-failed"), "failed");
      }
      if (again) { save(); }
    }).catch(function () {
      busy = false; dirty = true;
      say(status.getAttribute("data-offline"), "offline");
      retry = setTimeout(save, 5000);
    });
  }
  form.addEventListener("change", function () { schedule(150); });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "INPUT" && event.target.type === "text") { schedule(800); }
  });
  window.addEventListener("online", function () { if (dirty) { save(); } });
  /* A normal submit (Next, Save…) sends the answer itself: no autosave needed then. */
  form.addEventListener("submit", function () { clearTimeout(timer); clearTimeout(retry); });
}());
