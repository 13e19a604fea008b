// The app's side of the Sealos desktop protocol (sealos-desktop-sdk, SPEC §4.2).
//
// window.fullstackAgentDesktop.detect()     -> Promise<{embedded, desktop}>
// window.fullstackAgentDesktop.getSession() -> Promise<{ok: true, token, kubeconfig, user}
//                                                     | {ok: false, code, message}>
// Requests go to window.top only; a reply counts only when it comes from window.top and
// carries the request's messageId. Outside an iframe both resolve at once; inside one
// they give up after REPLY_TIMEOUT_MS. Neither ever rejects, so the Reflex callback that
// receives the result runs exactly once per call.
(function () {
  "use strict";

  var REPLY_TIMEOUT_MS = 3000;
  var MAX_MESSAGE_LENGTH = 200;

  function embedded() {
    try {
      return window.self !== window.top;
    } catch (error) {
      return true;
    }
  }

  function newMessageId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function ask(apiName) {
    return new Promise(function (resolve) {
      if (!embedded()) {
        resolve({ answered: false });
        return;
      }
      var messageId = newMessageId();
      var timer = setTimeout(function () { finish({ answered: false }); }, REPLY_TIMEOUT_MS);

      function finish(result) {
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        resolve(result);
      }

      function onMessage(event) {
        if (event.source !== window.top) return;
        var reply = event.data;
        if (!reply || typeof reply !== "object" || reply.messageId !== messageId) return;
        finish({
          answered: true,
          success: reply.success === true,
          message: typeof reply.message === "string" ? reply.message.slice(0, MAX_MESSAGE_LENGTH) : "",
          data: reply.data,
        });
      }

      window.addEventListener("message", onMessage);
      try {
        window.top.postMessage({
          messageId: messageId, apiName: apiName, appKey: "",
          clientLocation: window.location.origin, success: false, data: {},
        }, "*");
      } catch (error) {
        finish({ answered: false });
      }
    });
  }

  function text(value) {
    return typeof value === "string" ? value : "";
  }

  function sessionFrom(reply) {
    if (!reply.answered) return { ok: false, code: "SealosDesktopTimeout", message: "" };
    if (!reply.success) return { ok: false, code: "SealosDesktopRefused", message: reply.message };
    var data = reply.data;
    if (!data || typeof data !== "object") return { ok: false, code: "SealosDesktopBadReply", message: "" };
    var user = data.user && typeof data.user === "object" ? data.user : {};
    return {
      ok: true,
      token: text(data.token),
      kubeconfig: text(data.kubeconfig),
      user: { id: text(user.id), name: text(user.name), nsid: text(user.nsid) },
    };
  }

  window.fullstackAgentDesktop = {
    detect: function () {
      return ask("user.getInfo").then(function (reply) {
        return { embedded: embedded(), desktop: reply.answered };
      });
    },
    getSession: function () {
      return ask("user.getInfo").then(sessionFrom);
    },
  };
})();
