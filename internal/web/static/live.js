// The live room: plays the stream when there is one, follows the room's
// server-sent events (stock, likes, sales, comments), and buys, likes and
// comments through the API with the page's session and CSRF token.
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root) { return; }
  var room = root.getAttribute("data-room");
  var csrf = root.getAttribute("data-csrf");
  var signedIn = root.getAttribute("data-signed-in") === "1";
  var moderate = root.getAttribute("data-may-moderate") === "1";
  function t(key) { return root.getAttribute("data-t-" + key) || key; }
  function byId(id) { return document.getElementById(id); }
  function post(path, body, extra) {
    var headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf };
    for (var k in extra || {}) { headers[k] = extra[k]; }
    return fetch(path, { method: "POST", headers: headers, credentials: "same-origin", body: JSON.stringify(body) });
  }
  // newKey makes an idempotency key that sorts by time, as a ULID does: the
  // time in milliseconds, then 80 random bits, in Crockford's base 32. The
  // server stores keys in an index, and keys that come in time order are
  // added at its end rather than each on a page of its own.
  var crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  function newKey() {
    var s = "", t = Date.now(), i;
    for (i = 0; i < 10; i++) { s = crockford.charAt(t % 32) + s; t = Math.floor(t / 32); }
    var r = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) { crypto.getRandomValues(r); }
    else { for (i = 0; i < 16; i++) { r[i] = Math.floor(Math.random() * 256); } }
    for (i = 0; i < 16; i++) { s += crockford.charAt(r[i] % 32); }
    return s;
  }
  function productName(id) {
    var el = byId("product-" + id);
    return el ? el.getAttribute("data-name") : id;
  }

  // The stream: native HLS where the browser has it, hls.js elsewhere.
  var video = byId("video");
  if (video) {
    var src = video.getAttribute("data-src");
    var play = function () {
      if (video.canPlayType("application/vnd.apple.mpegurl")) {
        video.src = src;
      } else if (window.Hls && window.Hls.isSupported()) {
        var hls = new window.Hls({ enableWorker: false, lowLatencyMode: true });
        hls.loadSource(src);
        hls.attachMedia(video);
      } else {
        video.src = src;
      }
    };
    if (document.readyState === "complete") { play(); } else { window.addEventListener("load", play); }
  }

  // Events.
  var ticker = byId("ticker");
  function addSale(s) {
    if (!ticker) { return; }
    var li = document.createElement("li");
    li.textContent = t("bought").replace("%s", productName(s.product)).replace("%d", s.quantity);
    ticker.insertBefore(li, ticker.firstChild);
    while (ticker.children.length > 20) { ticker.removeChild(ticker.lastChild); }
  }
  var comments = byId("comments");
  function addComment(c) {
    if (!comments || byId("comment-" + c.id)) { return; }
    var li = document.createElement("li");
    li.id = "comment-" + c.id;
    var who = document.createElement("strong");
    who.textContent = c.author;
    li.appendChild(who);
    li.appendChild(document.createTextNode(" " + c.text));
    if (moderate) { li.appendChild(removeButton(c.id)); }
    comments.appendChild(li);
    while (comments.children.length > 100) { comments.removeChild(comments.firstChild); }
  }
  function removeButton(id) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "remove-comment danger";
    b.setAttribute("data-comment", id);
    b.textContent = t("remove");
    return b;
  }
  function apply(f) {
    (f.products || []).forEach(function (p) {
      var el = byId("avail-" + p.id);
      if (el) { el.textContent = p.available; }
      var b = byId("buy-" + p.id);
      if (b && p.available <= 0) { b.disabled = true; }
    });
    if (typeof f.likes === "number") { byId("likes").textContent = f.likes; }
    if (f.type === "snapshot" && ticker) { ticker.textContent = ""; }
    (f.ticker || []).slice().reverse().forEach(addSale);
    (f.comments || []).forEach(addComment);
    (f.removed || []).forEach(function (id) {
      var el = byId("comment-" + id);
      if (el) { el.parentNode.removeChild(el); }
    });
    if (f.status) {
      var st = byId("room-status");
      st.setAttribute("data-status", f.status);
      document.querySelectorAll("button.buy").forEach(function (b) {
        if (f.status !== "live") { b.disabled = true; }
      });
      if (f.status === "ended" && source) { source.close(); }
    }
  }
  var conn = byId("connection");
  var source = null;
  if (window.EventSource) {
    source = new EventSource("/api/v1/rooms/" + encodeURIComponent(room) + "/events");
    source.onmessage = function (e) {
      conn.textContent = "";
      try { apply(JSON.parse(e.data)); } catch (err) { /* a frame we cannot read is skipped */ }
    };
    source.onerror = function () { conn.textContent = t("reconnecting"); };
  }

  // Buying.
  var msg = byId("buy-message");
  document.querySelectorAll("button.buy").forEach(function (b) {
    b.addEventListener("click", function () {
      if (!signedIn) { window.location.href = root.getAttribute("data-login"); return; }
      var id = b.getAttribute("data-product");
      var qty = parseInt(byId("qty-" + id).value, 10) || 1;
      b.disabled = true;
      var key = newKey();
      post("/api/v1/rooms/" + encodeURIComponent(room) + "/orders", { product: id, quantity: qty }, { "Idempotency-Key": key })
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (body) { return { status: res.status, body: body }; });
        })
        .then(function (r) {
          msg.className = r.status === 201 ? "ok" : "error";
          if (r.status === 201) {
            msg.innerHTML = "";
            var a = document.createElement("a");
            a.href = "/orders";
            a.textContent = t("ordered");
            msg.appendChild(a);
          } else if (r.status === 409) {
            msg.textContent = t("sold-out");
          } else if (r.status === 429) {
            msg.textContent = t("limit");
          } else if (r.status === 401) {
            window.location.href = root.getAttribute("data-login");
          } else {
            msg.textContent = (r.body && r.body.error && r.body.error.message) || t("failed");
          }
        })
        .catch(function () { msg.className = "error"; msg.textContent = t("failed"); })
        .then(function () { b.disabled = false; });
    });
  });

  // Likes are sent in small bursts so a tapping thumb costs few requests.
  var likeBtn = byId("like"), pending = 0, timer = null;
  if (likeBtn) {
    likeBtn.addEventListener("click", function () {
      pending++;
      var el = byId("likes");
      el.textContent = (parseInt(el.textContent, 10) || 0) + 1;
      if (timer) { return; }
      timer = setTimeout(function () {
        var n = Math.min(pending, 50);
        pending = 0;
        timer = null;
        post("/api/v1/rooms/" + encodeURIComponent(room) + "/likes", { count: n });
      }, 500);
    });
  }

  // Comments.
  var form = byId("comment-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var input = byId("comment-text"), errEl = byId("comment-error");
      post("/api/v1/rooms/" + encodeURIComponent(room) + "/comments", { text: input.value })
        .then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (body) { return { status: res.status, body: body }; });
        })
        .then(function (r) {
          if (r.status === 201) {
            errEl.textContent = "";
            input.value = "";
            if (r.body && r.body.id) { addComment(r.body); }
          } else {
            errEl.textContent = (r.body && r.body.error && r.body.error.message) || t("failed");
          }
        })
        .catch(function () { errEl.textContent = t("failed"); });
    });
  }
  if (comments) {
    comments.addEventListener("click", function (e) {
      var b = e.target.closest("button.remove-comment");
      if (!b) { return; }
      var id = b.getAttribute("data-comment");
      fetch("/api/v1/rooms/" + encodeURIComponent(room) + "/comments/" + encodeURIComponent(id), {
        method: "DELETE", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin"
      }).then(function (res) {
        if (res.ok) { var el = byId("comment-" + id); if (el) { el.parentNode.removeChild(el); } }
      });
    });
  }
  // Sharing: make a share of the room and show its link.
  var share = byId("share");
  if (share) {
    share.addEventListener("click", function () {
      if (!signedIn) { window.location.href = root.getAttribute("data-login"); return; }
      post("/api/v1/shares", { kind: "room", id: room })
        .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
        .then(function (body) {
          var a = byId("share-url");
          a.href = body.url;
          a.textContent = new URL(body.url, window.location.href).href;
          byId("share-link").hidden = false;
        })
        .catch(function () { window.alert(t("share-failed")); });
    });
  }
})();
