/* The rasa-webchat widget, embedded, on Rasa's socket.io channel (session kept across reloads). */
(function () {
  "use strict";
  var config = window.ATROPHY_CONFIG;
  var h = window.React.createElement;

  var number = document.getElementById("emergency-number");
  number.textContent = config.emergencyNumber;
  number.href = "tel:" + config.emergencyNumber;

  function SirenIcon() {
    return h("svg", {className: "siren", viewBox: "0 0 24 24", width: 40, height: 40, "aria-hidden": "true"},
      h("path", {d: "M12 2 1 21h22L12 2z", fill: "#fff"}),
      h("rect", {x: 11, y: 9, width: 2, height: 6, fill: "#b00020"}),
      h("rect", {x: 11, y: 17, width: 2, height: 2, fill: "#b00020"}));
  }

  /* Custom payloads from the bot. {"emergency": true, "number": "911", "text": "..."} is an alert. */
  function CustomMessage(props) {
    if (props.emergency === true) {
      var num = String(props.number || config.emergencyNumber);
      return h("div", {className: "emergency-alert", role: "alert", "data-testid": "emergency-alert"},
        h("div", {className: "emergency-title"}, h(SirenIcon), h("span", null, "EMERGENCY")),
        h("p", {className: "emergency-text"}, props.text),
        h("a", {className: "emergency-call", href: "tel:" + num}, "\u260E Call " + num + " now"));
    }
    return h("div", {className: "rw-response"}, props.text ? String(props.text) : JSON.stringify(props));
  }

  /* The widget's answer buttons are plain divs: make them buttons for keyboards and screen readers. */
  function makeRepliesButtons(root) {
    root.querySelectorAll(".rw-reply:not([role])").forEach(function (reply) {
      reply.setAttribute("role", "button");
      reply.tabIndex = 0;
      reply.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); reply.click(); }
      });
    });
  }
  var chat = document.getElementById("chat");
  new MutationObserver(function () { makeRepliesButtons(chat); }).observe(chat, {childList: true, subtree: true});

  window.WebChat.default({
    socketUrl: config.socketUrl,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    embedded: true,
    title: "Atrophy Assistant",
    subtitle: "Information, not diagnosis",
    inputTextFieldHint: "Ask about muscle atrophy...",
    connectingText: "Connecting to the assistant...",
    hideWhenNotConnected: false,
    customComponent: CustomMessage,
    customMessageDelay: function () { return 300; },
    // sessionStorage: the transcript (health data) survives a reload of the tab, and goes when the tab is closed.
    params: {storage: "session"}
  }, chat);
})();
