/*
 * omniline web chat widget. Embed with one tag:
 *   <script src="https://HOST/widget.js" data-channel="CHANNEL_ID" async></script>
 * Optional: data-user-id + data-user-hash (hex HMAC-SHA256(channel secret, user id), computed by the
 * site's server) for logged-in users; data-lang to force "en", "ru" or "zh".
 *
 * Plain JavaScript, no build step, nothing from a CDN. Every text from a visitor or an agent is
 * rendered with textContent, never as markup. Messages typed while offline wait in localStorage and
 * are sent on reconnect with their client ids; the server stores each id once.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[data-channel]");
  if (!script || !script.getAttribute("data-channel")) return;
  var channelId = script.getAttribute("data-channel");
  var origin = new URL(script.src, location.href);
  var socketUrl = (origin.protocol === "https:" ? "wss://" : "ws://") + origin.host +
    "/webchat/" + encodeURIComponent(channelId) + "/ws";
  var userId = script.getAttribute("data-user-id");
  var userHash = script.getAttribute("data-user-hash");

  var STRINGS = {
    en: {
      open: "Chat with us", close: "Close chat", title: "Chat with us", message: "Message",
      placeholder: "Type a message…", send: "Send", you: "You", agent: "Support",
      connecting: "Connecting…", reconnecting: "Connection lost, reconnecting…",
      offline: "We are offline right now. Leave your e-mail and we will answer by mail.",
      email: "E-mail", name: "Name", phone: "Phone", start: "Start chat", skip: "Skip",
      prechat: "Tell us who you are (optional).", save: "Save",
      emailSaved: "Thank you, we will answer by e-mail.",
      code: "Code from the e-mail", confirm: "Confirm",
      codeSent: "We sent a code to your e-mail. Enter it to link this chat to your e-mail.",
      confirmed: "E-mail confirmed.", wrongCode: "Wrong code, try again.",
      expired: "The code has expired.", tooMany: "Too many attempts.",
      noMailbox: "We cannot send a code right now.", tooManyCodes: "Too many codes were sent; try later.",
      typing: "Support is typing…", sending: "sending…", failed: "not sent",
      rateLimited: "Too many messages, please wait a moment.", tooLong: "The message is too long.",
      invalidEmail: "This is not an e-mail address.", invalidPhone: "This is not a phone number."
    },
    ru: {
      open: "Написать нам", close: "Закрыть чат", title: "Чат с поддержкой", message: "Сообщение",
      placeholder: "Введите сообщение…", send: "Отправить", you: "Вы", agent: "Поддержка",
      connecting: "Подключение…", reconnecting: "Связь потеряна, подключаемся снова…",
      offline: "Сейчас мы не в сети. Оставьте e-mail, и мы ответим письмом.",
      email: "E-mail", name: "Имя", phone: "Телефон", start: "Начать чат", skip: "Пропустить",
      prechat: "Представьтесь (необязательно).", save: "Сохранить",
      emailSaved: "Спасибо, мы ответим на e-mail.",
      code: "Код из письма", confirm: "Подтвердить",
      codeSent: "Мы отправили код на ваш e-mail. Введите его, чтобы связать чат с вашим адресом.",
      confirmed: "E-mail подтверждён.", wrongCode: "Неверный код, попробуйте ещё раз.",
      expired: "Срок действия кода истёк.", tooMany: "Слишком много попыток.",
      noMailbox: "Сейчас мы не можем отправить код.", tooManyCodes: "Отправлено слишком много кодов, попробуйте позже.",
      typing: "Поддержка печатает…", sending: "отправляется…", failed: "не отправлено",
      rateLimited: "Слишком много сообщений, подождите немного.", tooLong: "Сообщение слишком длинное.",
      invalidEmail: "Это не адрес e-mail.", invalidPhone: "Это не номер телефона."
    },
    zh: {
      open: "联系我们", close: "关闭聊天", title: "在线客服", message: "消息",
      placeholder: "请输入消息…", send: "发送", you: "您", agent: "客服",
      connecting: "正在连接…", reconnecting: "连接已断开，正在重新连接…",
      offline: "我们现在不在线。请留下您的电子邮箱，我们会通过邮件回复。",
      email: "电子邮箱", name: "姓名", phone: "电话", start: "开始聊天", skip: "跳过",
      prechat: "请告诉我们您是谁（可选）。", save: "保存",
      emailSaved: "谢谢，我们会通过邮件回复您。",
      code: "邮件中的验证码", confirm: "确认",
      codeSent: "我们已向您的邮箱发送验证码。输入验证码即可将此聊天与您的邮箱关联。",
      confirmed: "邮箱已确认。", wrongCode: "验证码错误，请重试。",
      expired: "验证码已过期。", tooMany: "尝试次数过多。",
      noMailbox: "目前无法发送验证码。", tooManyCodes: "发送的验证码过多，请稍后再试。",
      typing: "客服正在输入…", sending: "发送中…", failed: "未发送",
      rateLimited: "消息太多，请稍候。", tooLong: "消息太长。",
      invalidEmail: "这不是有效的电子邮箱。", invalidPhone: "这不是有效的电话号码。"
    }
  };
  var language = (script.getAttribute("data-lang") || navigator.language || "en").toLowerCase().slice(0, 2);
  var T = STRINGS[language] || STRINGS.en;

  // localStorage may be unavailable (private modes, blocked cookies): the chat still works per page.
  var PREFIX = "omniline.webchat." + channelId + ".";
  function load(key, fallback) {
    try {
      var value = localStorage.getItem(PREFIX + key);
      return value === null ? fallback : JSON.parse(value);
    } catch (error) { return fallback; }
  }
  function save(key, value) {
    try {
      if (value === null || value === undefined) localStorage.removeItem(PREFIX + key);
      else localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch (error) { /* memory only */ }
  }
  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---- DOM (in a shadow root: the site's CSS does not leak in, ours does not leak out) ----
  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  var host = el("div", { "data-omniline-webchat": channelId });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var style = el("style");
  style.textContent = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font:14px/1.4 system-ui,-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:24px;",
    "padding:12px 18px;background:#1f5fbf;color:#fff;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #ffb000;outline-offset:2px}",
    ".panel{position:fixed;right:20px;bottom:76px;z-index:2147483000;width:340px;max-width:calc(100vw - 40px);",
    "height:480px;max-height:calc(100vh - 100px);display:flex;flex-direction:column;background:#fff;color:#222;",
    "border-radius:10px;box-shadow:0 4px 24px rgba(0,0,0,.25);overflow:hidden}",
    ".panel[hidden],form[hidden],.note[hidden]{display:none}",
    "header{display:flex;justify-content:space-between;align-items:center;padding:10px 12px;background:#1f5fbf;color:#fff}",
    "header h2{margin:0;font-weight:600}",
    "header button{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer;line-height:1}",
    ".note{padding:6px 12px;background:#fff6d6;color:#4d3b00;font-size:13px}",
    ".log{flex:1;overflow-y:auto;padding:10px 12px;display:flex;flex-direction:column;gap:6px}",
    ".msg{max-width:85%;padding:6px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}",
    ".msg.in{align-self:flex-end;background:#e3edfb}.msg.out{align-self:flex-start;background:#f1f1f1}",
    ".msg .author{display:block;font-size:11px;color:#555}.msg .state{display:block;font-size:11px;color:#777}",
    ".msg.failed .state{color:#b00020}.typing{padding:0 12px;min-height:18px;font-size:12px;color:#555}",
    "form{display:flex;flex-wrap:wrap;gap:6px;padding:8px 12px;border-top:1px solid #eee}",
    "form p{margin:0;width:100%;font-size:13px}",
    "input,textarea{flex:1;min-width:0;padding:6px 8px;border:1px solid #bbb;border-radius:6px}",
    "textarea{resize:none;height:38px}",
    "form button{padding:6px 12px;border:0;border-radius:6px;background:#1f5fbf;color:#fff;cursor:pointer}",
    "form button.secondary{background:#ddd;color:#222}"
  ].join("");
  root.appendChild(style);

  var launcher = el("button", { type: "button", "class": "launcher", "aria-haspopup": "dialog",
    "aria-expanded": "false", "aria-label": T.open }, T.open);
  var panel = el("div", { "class": "panel", role: "dialog", "aria-label": T.title, hidden: "" });
  var header = el("header");
  var title = el("h2", {}, T.title);
  var closeButton = el("button", { type: "button", "aria-label": T.close }, "×");
  header.appendChild(title);
  header.appendChild(closeButton);
  var note = el("div", { "class": "note", role: "status", hidden: "" });
  var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": T.title });
  var typing = el("div", { "class": "typing", "aria-live": "polite" });

  function field(type, label, name) {
    return el(type === "textarea" ? "textarea" : "input",
      type === "textarea" ? { "aria-label": label, name: name, placeholder: label }
        : { type: type, "aria-label": label, name: name, placeholder: label });
  }
  var prechatForm = el("form", { "class": "prechat", hidden: "" });
  prechatForm.appendChild(el("p", {}, T.prechat));
  var nameInput = field("text", T.name, "name");
  var emailInput = field("email", T.email, "email");
  var phoneInput = field("tel", T.phone, "phone");
  var startButton = el("button", { type: "submit" }, T.start);
  var skipButton = el("button", { type: "button", "class": "secondary" }, T.skip);
  [nameInput, emailInput, phoneInput, startButton, skipButton].forEach(function (n) { prechatForm.appendChild(n); });

  var codeForm = el("form", { "class": "code", hidden: "" });
  codeForm.appendChild(el("p", {}, T.codeSent));
  var codeInput = field("text", T.code, "code");
  codeInput.setAttribute("inputmode", "numeric");
  codeInput.setAttribute("autocomplete", "one-time-code");
  codeForm.appendChild(codeInput);
  codeForm.appendChild(el("button", { type: "submit" }, T.confirm));

  var offlineForm = el("form", { "class": "offline", hidden: "" });
  var offlineEmail = field("email", T.email, "offline_email");
  offlineForm.appendChild(offlineEmail);
  offlineForm.appendChild(el("button", { type: "submit" }, T.save));

  var composer = el("form", { "class": "composer" });
  var input = field("textarea", T.message, "message");
  input.setAttribute("placeholder", T.placeholder);
  var sendButton = el("button", { type: "submit" }, T.send);
  composer.appendChild(input);
  composer.appendChild(sendButton);

  [header, note, log, typing, prechatForm, codeForm, offlineForm, composer].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---- state ----
  var token = load("token", null);
  var queue = load("queue", []); // [{client_id, text}] typed but not yet acknowledged
  var profile = load("profile", {}); // {name, email, phone, done, verification_id}
  var socket = null;
  var ready = false;
  var attempt = 0;
  var statusText = "";
  var offlineText = "";
  var typingTimer = null;
  var lastTypingSent = 0;
  var retryTimer = null;

  function showNote() {
    var text = [offlineText, statusText].filter(Boolean).join(" ");
    note.textContent = text;
    if (text) note.removeAttribute("hidden"); else note.setAttribute("hidden", "");
  }
  function setStatus(text) { statusText = text || ""; showNote(); }

  function bubbleFor(key) { return log.querySelector('[data-key="' + CSS.escape(key) + '"]'); }
  function render(message, pending) {
    var key = message.client_id || message.id;
    var bubble = (message.client_id && bubbleFor(message.client_id)) || (message.id && bubbleFor(message.id));
    if (!bubble) {
      bubble = el("div", { "class": "msg " + message.direction, "data-key": key });
      var author = el("span", { "class": "author" }, message.direction === "in" ? T.you : (message.author || T.agent));
      var body = el("span", { "class": "body" });
      body.textContent = message.text; // text, never markup
      bubble.appendChild(author);
      bubble.appendChild(body);
      bubble.appendChild(el("span", { "class": "state" }));
      log.appendChild(bubble);
      log.scrollTop = log.scrollHeight;
    }
    if (message.id) bubble.setAttribute("data-id", message.id);
    bubble.querySelector(".state").textContent = pending ? T.sending : "";
    return bubble;
  }
  function fail(clientId, text) {
    var bubble = bubbleFor(clientId);
    if (bubble) {
      bubble.classList.add("failed");
      bubble.querySelector(".state").textContent = T.failed + (text ? " — " + text : "");
    }
  }

  function send(frame) {
    if (socket && ready && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }
  function flushQueue() {
    queue.forEach(function (item) { send({ type: "message", client_id: item.client_id, text: item.text }); });
  }
  function dropFromQueue(clientId) {
    queue = queue.filter(function (item) { return item.client_id !== clientId; });
    save("queue", queue);
  }

  // ---- the socket, with reconnect and backoff ----
  function connect() {
    setStatus(attempt ? T.reconnecting : T.connecting);
    ready = false;
    try {
      socket = new WebSocket(socketUrl);
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket.onopen = function () {
      var hello = { type: "hello", token: token };
      if (userId) { hello.user_id = userId; hello.user_hash = userHash || ""; }
      if (profile.name) hello.name = profile.name;
      if (profile.email) hello.email = profile.email;
      if (profile.phone) hello.phone = profile.phone;
      if (profile.verification_id) hello.verification_id = profile.verification_id;
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      handle(frame);
    };
    socket.onclose = function (event) {
      ready = false;
      if (event.code === 4401) { token = null; save("token", null); } // the channel's secret changed
      scheduleReconnect();
    };
    socket.onerror = function () { /* onclose follows */ };
  }
  function scheduleReconnect() {
    attempt += 1;
    var delay = Math.min(30000, 500 * Math.pow(2, Math.min(attempt, 6))) * (0.8 + Math.random() * 0.4);
    setStatus(T.reconnecting);
    setTimeout(connect, delay);
  }
  window.addEventListener("online", function () {
    if (!ready && socket && socket.readyState !== WebSocket.CONNECTING) { try { socket.close(); } catch (e) { /* */ } }
  });

  function handle(frame) {
    switch (frame.type) {
      case "welcome":
        ready = true;
        attempt = 0;
        token = frame.token;
        save("token", token);
        setStatus("");
        while (log.firstChild) log.removeChild(log.firstChild);
        if (frame.greeting) log.appendChild(el("div", { "class": "msg out greeting" }, frame.greeting));
        frame.messages.forEach(function (message) { render(message, false); });
        queue.forEach(function (item) { render({ client_id: item.client_id, direction: "in", text: item.text }, true); });
        setOnline(frame.online);
        if (!profile.done && !frame.messages.length && !queue.length) prechatForm.removeAttribute("hidden");
        if (profile.verification_id) codeForm.removeAttribute("hidden");
        flushQueue();
        break;
      case "ack":
        dropFromQueue(frame.client_id);
        var bubble = bubbleFor(frame.client_id);
        if (bubble) { bubble.setAttribute("data-id", frame.message_id); bubble.querySelector(".state").textContent = ""; }
        break;
      case "message":
        render(frame.message, false);
        if (frame.message.direction === "out") typing.textContent = "";
        break;
      case "typing":
        typing.textContent = frame.active ? T.typing : "";
        clearTimeout(typingTimer);
        if (frame.active) typingTimer = setTimeout(function () { typing.textContent = ""; }, 6000);
        break;
      case "status":
        setOnline(frame.online);
        break;
      case "verification":
        verification(frame);
        break;
      case "offline_email":
        offlineForm.setAttribute("hidden", "");
        offlineText = T.emailSaved;
        showNote();
        break;
      case "error":
        error(frame);
        break;
    }
  }
  function setOnline(online) {
    offlineText = online ? "" : T.offline;
    if (online || profile.offlineEmail) offlineForm.setAttribute("hidden", "");
    else offlineForm.removeAttribute("hidden");
    showNote();
  }
  function verification(frame) {
    var messages = { sent: T.codeSent, confirmed: T.confirmed, wrong_code: T.wrongCode, expired: T.expired,
      too_many_attempts: T.tooMany, no_email_channel: T.noMailbox, too_many_codes: T.tooManyCodes, not_found: T.expired };
    if (frame.status === "sent") {
      profile.verification_id = frame.verification_id;
      codeForm.removeAttribute("hidden");
    } else if (frame.status !== "wrong_code") {
      delete profile.verification_id;
      codeForm.setAttribute("hidden", "");
    }
    save("profile", profile);
    setStatus(frame.status === "sent" ? "" : messages[frame.status] || "");
  }
  function error(frame) {
    var texts = { rate_limited: T.rateLimited, too_long: T.tooLong, invalid_email: T.invalidEmail,
      invalid_phone: T.invalidPhone };
    var text = texts[frame.code] || frame.message;
    if (frame.client_id) {
      if (frame.code === "rate_limited") {
        clearTimeout(retryTimer); // it stays queued: try again in a moment
        retryTimer = setTimeout(flushQueue, 3000);
      } else {
        dropFromQueue(frame.client_id);
        fail(frame.client_id, text);
      }
    }
    setStatus(text);
  }

  // ---- user actions ----
  function submitMessage() {
    var text = input.value.trim();
    if (!text) return;
    var item = { client_id: newClientId(), text: text };
    queue.push(item);
    save("queue", queue);
    render({ client_id: item.client_id, direction: "in", text: text }, true);
    input.value = "";
    prechatForm.setAttribute("hidden", "");
    send({ type: "message", client_id: item.client_id, text: text });
  }
  composer.addEventListener("submit", function (event) { event.preventDefault(); submitMessage(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); submitMessage(); }
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTypingSent > 2000) { lastTypingSent = now; send({ type: "typing", active: true }); }
  });
  prechatForm.addEventListener("submit", function (event) {
    event.preventDefault();
    profile = { name: nameInput.value.trim() || undefined, email: emailInput.value.trim() || undefined,
      phone: phoneInput.value.trim() || undefined, done: true };
    save("profile", profile);
    send({ type: "prechat", name: profile.name, email: profile.email, phone: profile.phone });
    prechatForm.setAttribute("hidden", "");
    input.focus();
  });
  skipButton.addEventListener("click", function () {
    profile.done = true;
    save("profile", profile);
    prechatForm.setAttribute("hidden", "");
    input.focus();
  });
  codeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value.trim();
    if (code) send({ type: "verify", code: code });
    codeInput.value = "";
  });
  offlineForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var email = offlineEmail.value.trim();
    if (!email) return;
    profile.offlineEmail = email;
    save("profile", profile);
    send({ type: "offline_email", email: email });
  });

  function open() {
    panel.removeAttribute("hidden");
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
  }
  function close() {
    panel.setAttribute("hidden", "");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { if (panel.hasAttribute("hidden")) open(); else close(); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { event.preventDefault(); close(); } });

  function start() {
    document.body.appendChild(host);
    connect();
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
