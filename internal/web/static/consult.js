// The consultation room: camera and microphone go to the other party over
// WebRTC, and Tide only relays the setup on a WebSocket: offers, answers and
// ICE candidates. The party who joins second offers, so the two rarely
// offer at once; perfect negotiation settles it when they do, the clinic
// being the polite side that yields.
(function () {
  "use strict";
  var root = document.getElementById("consult");
  if (!root) { return; }
  function byId(id) { return document.getElementById(id); }
  function t(key) { return root.getAttribute("data-t-" + key) || key; }
  var iceServers = JSON.parse(root.getAttribute("data-ice") || "[]");
  var polite = root.getAttribute("data-party") === "clinic";
  var statusLine = byId("consult-status");
  var localVideo = byId("local-video"), remoteVideo = byId("remote-video");
  var hangUp = byId("hang-up"), unmute = byId("unmute"), rejoin = byId("rejoin");
  // Close codes after which the page stays closed; see internal/rtc.
  var finalCodes = { 4001: "window-closed", 4002: "replaced" };
  var media = null, ws = null, call = null, ended = false, retries = 0;
  // Messages are handled one after another. A call's pending steps are
  // let go when the call ends, as a closed connection never settles them.
  var inbox = Promise.resolve();

  function say(key) {
    statusLine.textContent = t(key);
    statusLine.setAttribute("data-state", key);
  }
  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(msg)); }
  }
  function failed(c) {
    return function (err) { if (c === call) { console.error("consultation call:", err); } };
  }

  function endCall() {
    if (call) {
      var pc = call.pc;
      call.end();
      call = null;
      pc.ontrack = pc.onicecandidate = pc.onnegotiationneeded = pc.onconnectionstatechange = null;
      pc.close();
    }
    remoteVideo.srcObject = null;
  }

  // startCall sets up a fresh call with the other party; adding the tracks
  // makes an offer unless the other party's offer comes first.
  function startCall() {
    endCall();
    var c = { pc: new RTCPeerConnection({ iceServers: iceServers }), makingOffer: false, ignoreOffer: false };
    c.ended = new Promise(function (resolve) { c.end = resolve; });
    var pc = c.pc;
    call = c;
    if (media) {
      media.getTracks().forEach(function (track) { pc.addTrack(track, media); });
    } else {
      pc.addTransceiver("audio", { direction: "recvonly" });
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    pc.ontrack = function (e) {
      var stream = e.streams[0] || new MediaStream([e.track]);
      if (remoteVideo.srcObject !== stream) {
        remoteVideo.srcObject = stream;
        play();
      }
    };
    pc.onicecandidate = function (e) {
      if (e.candidate) { send({ type: "candidate", candidate: e.candidate.toJSON() }); }
    };
    pc.onnegotiationneeded = function () {
      c.makingOffer = true;
      pc.setLocalDescription().then(function () {
        send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
      }).catch(failed(c)).then(function () { c.makingOffer = false; });
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "connected") {
        say("connected");
      } else if (pc.connectionState === "failed") {
        say("failed");
        if (!polite) { pc.restartIce(); } // one side restarts, so the offers do not clash
      }
    };
    say("calling");
  }

  function describe(desc) {
    if (!call) { startCall(); }
    var c = call, pc = c.pc;
    var clash = desc.type === "offer" && (c.makingOffer || pc.signalingState !== "stable");
    c.ignoreOffer = !polite && clash;
    if (c.ignoreOffer) { return null; }
    return Promise.race([c.ended, pc.setRemoteDescription(desc).then(function () {
      if (desc.type !== "offer") { return null; }
      return pc.setLocalDescription().then(function () {
        send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
      });
    }).catch(failed(c))]);
  }

  function handle(msg) {
    switch (msg.type) {
    case "welcome":
      if (msg.peer) { startCall(); } else { endCall(); say("waiting"); }
      return null;
    case "peer-joined":
      endCall(); // the newcomer offers
      say("calling");
      return null;
    case "peer-left":
      endCall();
      if (statusLine.getAttribute("data-state") !== "peer-hung-up") { say("peer-left"); }
      return null;
    case "bye":
      endCall();
      say("peer-hung-up");
      return null;
    case "offer":
    case "answer":
      return describe({ type: msg.type, sdp: msg.sdp });
    case "candidate":
      if (!call) { return null; }
      var c = call;
      return Promise.race([c.ended, c.pc.addIceCandidate(msg.candidate).catch(function (err) {
        if (!c.ignoreOffer) { failed(c)(err); }
      })]);
    }
    return null;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var sock = new WebSocket(scheme + "//" + location.host + root.getAttribute("data-ws"));
    var opened = false;
    ws = sock;
    sock.onopen = function () { opened = true; retries = 0; };
    sock.onmessage = function (e) {
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      inbox = inbox.then(function () { return handle(msg); });
    };
    sock.onclose = function (e) {
      if (ws !== sock || ended) { return; }
      ws = null;
      if (finalCodes[e.code]) {
        finish(finalCodes[e.code], e.code === 4002);
        return;
      }
      // The call may go on while the socket is down; it is set up afresh
      // once both sides are back.
      say("reconnecting");
      retries++;
      var retry = function () { setTimeout(connect, Math.min(10000, 500 * Math.pow(2, retries))); };
      if (opened) { retry(); return; }
      // Refused outright: the page itself says why (the window is over,
      // the session has ended), so load it again unless the server is
      // merely out of reach.
      fetch(location.href, { method: "HEAD", credentials: "same-origin", cache: "no-store" }).then(function (r) {
        if (r.ok && !r.redirected) { retry(); } else { location.reload(); }
      }, retry);
    };
  }

  function play() {
    var p = remoteVideo.play();
    if (p && p.catch) {
      p.catch(function (err) {
        if (err.name !== "NotAllowedError") { return; }
        // The browser wants a tap before it plays sound.
        remoteVideo.muted = true;
        remoteVideo.play();
        unmute.hidden = false;
      });
    }
  }
  unmute.addEventListener("click", function () {
    remoteVideo.muted = false;
    remoteVideo.play();
    unmute.hidden = true;
  });

  function finish(key, mayRejoin) {
    ended = true;
    endCall();
    if (media) { media.getTracks().forEach(function (track) { track.stop(); }); }
    localVideo.srcObject = null;
    if (ws) { ws.close(1000); ws = null; }
    say(key);
    hangUp.hidden = true;
    rejoin.hidden = !mayRejoin;
  }
  hangUp.addEventListener("click", function () {
    send({ type: "bye" });
    finish("hung-up", true);
  });

  say("connecting");
  var camera = navigator.mediaDevices && navigator.mediaDevices.getUserMedia ?
    navigator.mediaDevices.getUserMedia({ audio: true, video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } } }) :
    Promise.reject(new Error("no media devices"));
  camera.then(function (stream) {
    media = stream;
    localVideo.srcObject = stream;
  }, function () {
    byId("no-camera").hidden = false;
  }).then(connect);
}());
