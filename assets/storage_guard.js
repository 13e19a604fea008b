// Loaded first in <head>, before Reflex's own scripts.
//
// Inside a cross-site iframe (the Sealos desktop on another site than the app) a browser
// that blocks third-party storage throws a SecurityError on every access to
// window.localStorage / window.sessionStorage. Reflex reads both unguarded and the whole
// app would show "Application Error". Where an access throws, this installs an in-memory
// Storage instead: the app works and a session token lives as long as the page does.
(function () {
  "use strict";

  function memoryStorage() {
    var items = new Map();
    var storage = {
      getItem: function (key) {
        key = String(key);
        return items.has(key) ? items.get(key) : null;
      },
      setItem: function (key, value) { items.set(String(key), String(value)); },
      removeItem: function (key) { items.delete(String(key)); },
      clear: function () { items.clear(); },
      key: function (index) {
        var keys = Array.from(items.keys());
        return index >= 0 && index < keys.length ? keys[index] : null;
      },
    };
    Object.defineProperty(storage, "length", { get: function () { return items.size; } });
    return storage;
  }

  function usable(name) {
    try {
      var storage = window[name];
      var probe = "__fullstack_agent_probe__";
      storage.setItem(probe, probe);
      storage.removeItem(probe);
      return true;
    } catch (error) {
      return false;
    }
  }

  ["localStorage", "sessionStorage"].forEach(function (name) {
    if (usable(name)) return;
    var fallback = memoryStorage();
    try {
      Object.defineProperty(window, name, { configurable: true, get: function () { return fallback; } });
      window.__fullstackAgentMemoryStorage = true;
    } catch (error) {
      // The property cannot be replaced in this browser; nothing more can be done here.
    }
  });
})();
