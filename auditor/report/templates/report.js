/* auditor report: filter, sort, group and expand the findings embedded as JSON.
   Every value is written with textContent, never parsed as HTML. */
(function () {
  "use strict";
  var SEV = ["critical", "high", "medium", "low", "info"];
  var ST = ["fail", "unknown", "suppressed", "pass", "not_applicable"];
  var SR = {}, TR = {};
  SEV.forEach(function (v, i) { SR[v] = i; });
  ST.forEach(function (v, i) { TR[v] = i; });
  var PAGE = 200;
  var CHUNK = 1000;
  var source = document.getElementById("report-data");
  var form = document.getElementById("filters");
  var list = document.getElementById("findings-list");
  if (!source || !form || !list) { return; }
  var data = JSON.parse(source.textContent);
  var S = data.strings, EV = data.evidence, RULES = data.rules, SUBS = data.subs, F = data.f;
  var R = data.res.map(function (a) {
    var r = { id: a[0], type: S[a[1]], name: a[2], sub: S[a[3]], group: S[a[4]], label: a[5], loc: S[a[6]], src: S[a[7]] };
    var sk = "s|" + (r.sub || "-"), gk = sk + "|g|" + r.group;
    r.keys = [sk, gk, gk + "|r|" + r.id.toLowerCase()];
    return r;
  });
  var countEl = document.getElementById("match-count");
  var moreBtn = document.getElementById("show-more");
  var allBtn = document.getElementById("show-all");
  var hay = new Array(F.length);
  var view = { order: [], counts: {}, shown: 0, mode: "tree" };
  var cursor = null;
  var timer = 0;
  var quietReset = false;
  var copyStatus = el("p", "visually-hidden");
  copyStatus.setAttribute("role", "status");
  document.body.appendChild(copyStatus);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  // Rule texts are written in Markdown: `code` spans become <code> (still via textContent);
  // nothing else of Markdown is interpreted.
  function prose(tag, cls, text) {
    var node = el(tag, cls);
    String(text).split("`").forEach(function (part, i) {
      if (part) { node.appendChild(i % 2 ? el("code", "", part) : document.createTextNode(part)); }
    });
    return node;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) { continue; }
      parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return parent;
  }
  function fmt(n) { return n.toLocaleString("en-US"); }
  function rule(f) { return RULES[f.rule] || {}; }
  function title(f) { return f.title || rule(f).title || f.rule; }
  function subKey(r) { return r.sub || "-"; }
  function pretty(v) { return typeof v === "string" ? v : JSON.stringify(v, null, 2); }
  function haystack(i) {
    if (hay[i] === undefined) {
      var f = F[i], r = R[f.r];
      hay[i] = [f.rule, title(f), r.name, r.id, r.label, r.group, SUBS[r.sub] || "", r.loc,
        f.msg, f.why || "", JSON.stringify(EV[f.ev])].join("\n").toLowerCase();
    }
    return hay[i];
  }

  function readFilters() {
    var sev = {}, st = {};
    form.querySelectorAll("input[name=severity]").forEach(function (b) { sev[b.value] = b.checked; });
    form.querySelectorAll("input[name=status]").forEach(function (b) { st[b.value] = b.checked; });
    var q = form.elements.q.value.trim().toLowerCase();
    return {
      sev: sev, st: st, rule: form.elements.rule.value, sub: form.elements.sub.value,
      newOnly: !!(form.elements.newonly && form.elements.newonly.checked),
      words: q ? q.split(/\s+/) : [], sort: form.elements.sort.value, mode: form.elements.group.value
    };
  }
  function textOk(i, words) {
    if (!words.length) { return true; }
    var text = haystack(i);
    for (var w = 0; w < words.length; w++) { if (text.indexOf(words[w]) < 0) { return false; } }
    return true;
  }

  var SORTS = {
    severity: function (a, b) { return SR[F[a].sev] - SR[F[b].sev] || TR[F[a].st] - TR[F[b].st]; },
    status: function (a, b) { return TR[F[a].st] - TR[F[b].st] || SR[F[a].sev] - SR[F[b].sev]; },
    rule: function (a, b) { return cmp(F[a].rule, F[b].rule); },
    name: function (a, b) { return cmp(R[F[a].r].label.toLowerCase(), R[F[b].r].label.toLowerCase()); },
    "name-desc": function (a, b) { return cmp(R[F[b].r].label.toLowerCase(), R[F[a].r].label.toLowerCase()); },
    location: function (a, b) { return cmp(R[F[a].r].loc, R[F[b].r].loc); }
  };
  function cmp(x, y) { return x < y ? -1 : x > y ? 1 : 0; }

  function compute() {
    var flt = readFilters();
    var sevCount = {}, stCount = {}, order = [];
    for (var i = 0; i < F.length; i++) {
      var f = F[i], r = R[f.r];
      if (flt.rule && f.rule !== flt.rule) { continue; }
      if (flt.sub && subKey(r) !== flt.sub) { continue; }
      if (flt.newOnly && !f.new) { continue; }
      if (!textOk(i, flt.words)) { continue; }
      var sevOk = flt.sev[f.sev] !== false, stOk = flt.st[f.st] !== false;
      if (stOk) { sevCount[f.sev] = (sevCount[f.sev] || 0) + 1; }
      if (sevOk) { stCount[f.st] = (stCount[f.st] || 0) + 1; }
      if (sevOk && stOk) { order.push(i); }
    }
    var by = SORTS[flt.sort] || SORTS.severity;
    order.sort(function (a, b) { return by(a, b) || a - b; });
    var counts = {};
    if (flt.mode === "tree") { order = group(order, counts); }
    form.querySelectorAll("[data-count]").forEach(function (node) {
      var parts = node.getAttribute("data-count").split(":");
      var n = (parts[0] === "severity" ? sevCount : stCount)[parts[1]] || 0;
      node.textContent = "(" + fmt(n) + ")";
    });
    view = { order: order, counts: counts, shown: 0, mode: flt.mode };
    var note = document.getElementById("filter-note");
    if (note) {
      var active = 0;
      SEV.concat(ST).forEach(function (v) { if (flt.sev[v] === false || flt.st[v] === false) { active++; } });
      active += (flt.rule ? 1 : 0) + (flt.sub ? 1 : 0) + (flt.words.length ? 1 : 0) + (flt.newOnly ? 1 : 0);
      note.textContent = active ? "(" + active + " active)" : "";
    }
  }

  /* Groups keep the order of their best member, so "worst first" also puts the worst
     subscription, resource group and resource first. */
  function group(order, counts) {
    var rank = {}, n = order.length, rs = new Array(n), rg = new Array(n), rr = new Array(n);
    order.forEach(function (i, p) {
      var k = R[F[i].r].keys;
      for (var j = 0; j < 3; j++) {
        if (!(k[j] in rank)) { rank[k[j]] = p; }
        counts[k[j]] = (counts[k[j]] || 0) + 1;
      }
    });
    var idx = order.map(function (i, p) {
      var k = R[F[i].r].keys;
      rs[p] = rank[k[0]]; rg[p] = rank[k[1]]; rr[p] = rank[k[2]];
      return p;
    });
    idx.sort(function (a, b) { return rs[a] - rs[b] || rg[a] - rg[b] || rr[a] - rr[b] || a - b; });
    return idx.map(function (p) { return order[p]; });
  }

  function findingNode(i) {
    var f = F[i], r = R[f.r];
    var d = el("details", "finding");
    d.id = "f-" + f.fp;
    d.setAttribute("data-index", String(i));
    var s = el("summary");
    add(s, el("span", "badge st-" + f.st, f.st.replace("_", " ")), " ",
      el("span", "badge sev-" + f.sev, f.sev), " ", el("code", "rule", f.rule), " ",
      el("span", "title", title(f)), " ", el("span", "fres", r.label));
    if (f.new) { s.insertBefore(el("span", "badge new", "new"), s.firstChild); }
    if (f.late) { s.insertBefore(el("span", "badge overdue", "overdue"), s.firstChild); }
    d.appendChild(s);
    return d;
  }

  function headerText(tag, cls, label, count, extra) {
    var h = el(tag, cls);
    add(h, label, " ", el("span", "hcount", "· " + fmt(count) + " finding" + (count === 1 ? "" : "s")));
    if (extra) { add(h, " ", el("span", "rid", extra)); }
    return h;
  }

  function renderRange(from, to) {
    var frag = document.createDocumentFragment();
    for (var p = from; p < to; p++) {
      var i = view.order[p];
      if (view.mode !== "tree") { frag.appendChild(findingNode(i)); continue; }
      var r = R[F[i].r], sk = r.keys[0], gk = r.keys[1], rk = r.keys[2];
      if (!cursor || cursor.s !== sk) {
        var g1 = el("section", "g1");
        g1.appendChild(headerText("h3", "", SUBS[r.sub] || r.sub, view.counts[sk], r.sub && SUBS[r.sub] !== r.sub ? r.sub : ""));
        frag.appendChild(g1);
        cursor = { s: sk, g1: g1, g: null, g2: null, r: null, g3: null };
      }
      if (cursor.g !== gk) {
        cursor.g2 = el("div", "g2");
        cursor.g2.appendChild(headerText("h4", "", r.group, view.counts[gk]));
        cursor.g1.appendChild(cursor.g2);
        cursor.g = gk; cursor.r = null;
      }
      if (cursor.r !== rk) {
        cursor.g3 = el("div", "g3");
        var head = el("p", "res");
        add(head, r.label, " ", el("span", "muted", r.type + (r.loc ? " · " + r.loc : "")));
        cursor.g3.appendChild(head);
        cursor.g2.appendChild(cursor.g3);
        cursor.r = rk;
      }
      cursor.g3.appendChild(findingNode(i));
    }
    list.appendChild(frag);
  }

  function showUpTo(n, done) {
    n = Math.min(n, view.order.length);
    var step = function () {
      var to = Math.min(view.shown + CHUNK, n);
      renderRange(view.shown, to);
      view.shown = to;
      if (view.shown < n) { setTimeout(step, 0); } else { updateStatus(); if (done) { done(); } }
    };
    if (view.shown < n) { step(); } else { updateStatus(); if (done) { done(); } }
  }

  function updateStatus() {
    var total = view.order.length, shown = view.shown;
    var text = total === 0 ? "No finding matches these filters." :
      (shown < total ? "Showing " + fmt(shown) + " of " + fmt(total) : fmt(total)) +
      " matching finding" + (total === 1 ? "" : "s");
    if (total !== F.length) { text += " (" + fmt(F.length) + " in the report)"; }
    countEl.textContent = text;
    var rest = total - shown;
    moreBtn.hidden = rest <= 0;
    allBtn.hidden = rest <= PAGE;
    moreBtn.textContent = "Show " + fmt(Math.min(PAGE, rest)) + " more";
    allBtn.textContent = "Show all " + fmt(total);
  }

  var version = 0;
  function apply() {
    compute();
    list.setAttribute("data-version", String(++version));
    list.textContent = "";
    list.className = view.mode === "tree" ? "tree" : "flat";
    cursor = null;
    if (!view.order.length) { list.appendChild(el("p", "empty", "Nothing to show. Change or reset the filters.")); }
    showUpTo(PAGE);
  }

  function snippet(label, text, prose) {
    var box = el("div", prose ? "snippet prose" : "snippet");
    var btn = el("button", "btn copy", "Copy");
    btn.type = "button";
    btn.setAttribute("aria-label", "Copy " + label);
    btn.addEventListener("click", function () { copy(text, btn); });
    add(box, el("pre", "", text), btn);
    return box;
  }
  function copy(text, btn) {
    var done = function () {
      btn.textContent = "Copied";
      copyStatus.textContent = "Copied to the clipboard";
      setTimeout(function () { btn.textContent = "Copy"; }, 1500);
    };
    var fallback = function () {
      var area = el("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (e) { copyStatus.textContent = "Copy failed"; }
      document.body.removeChild(area);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else { fallback(); }
  }

  function body(i) {
    var f = F[i], r = R[f.r], ru = rule(f);
    var rem = f.rem || ru.remediation || {}, refs = f.refs || ru.references || [], ctl = f.ctl || ru.controls || {};
    var b = el("div", "fbody");
    add(b, prose("p", "msg", f.msg));
    if (f.why) {
      var whyLabel = f.st === "unknown" ? "Why it could not be judged: " : f.st === "not_applicable" ? "Why not applicable: " : "Reason: ";
      add(b, add(el("p"), el("strong", "", whyLabel), f.why));
    }
    if (f.sup) { add(b, add(el("p"), el("strong", "", "Suppressed: "), suppression(f.sup))); }
    if (f.age) {
      add(b, add(el("p", "age"), el("strong", "", f.late ? "Overdue: " : "Age: "),
        f.age[0] + " day(s), first seen " + f.age[1] + " in scan " + f.age[2] +
        (f.age[3] ? " (reopened: it was fixed, then failed again)" : "")));
    }
    add(b, el("h5", "", "Resource"));
    var dl = el("dl", "kv");
    [["Id", r.id], ["Type", r.type], ["Location", r.loc], ["Subscription", SUBS[r.sub] || r.sub],
      ["Found in", r.src], ["Fingerprint", f.fp]].forEach(function (kv) {
      if (kv[1]) { add(dl, el("dt", "", kv[0]), el("dd", "mono", kv[1])); }
    });
    b.appendChild(dl);
    add(b, el("h5", "", "Evidence"));
    var ev = EV[f.ev] || {};
    var keys = Object.keys(ev).sort();
    if (!keys.length) { add(b, el("p", "muted", "No field values recorded.")); } else {
      var wrap = el("div", "table-wrap"), t = el("table"), tb = el("tbody");
      keys.forEach(function (k) { add(tb, add(el("tr"), add(el("th"), el("code", "", k)), add(el("td"), value(ev[k])))); });
      add(b, add(wrap, add(t, tb)));
    }
    add(b, el("h5", "", "Remediation"));
    if (rem.summary) { add(b, prose("p", "", rem.summary)); }
    if (rem.portal) { add(b, el("h6", "", "In the Azure portal"), snippet("portal steps", rem.portal, true)); }
    if (rem.cli) { add(b, el("h6", "", "Azure CLI"), snippet("Azure CLI command", rem.cli)); }
    if (rem.bicep) { add(b, el("h6", "", "Bicep"), snippet("Bicep snippet", rem.bicep)); }
    var ctlKeys = Object.keys(ctl).sort();
    if (ctlKeys.length) {
      add(b, el("h5", "", "Controls"));
      add(b, el("p", "", ctlKeys.map(function (k) { return k + ": " + ctl[k].join(", "); }).join(" · ")));
    }
    if (refs.length) {
      add(b, el("h5", "", "References"));
      var ul = el("ul");
      refs.forEach(function (u) {
        var li = el("li");
        if (/^https?:\/\//i.test(u)) {
          var a = el("a", "", u);
          a.href = u; a.rel = "noopener noreferrer"; a.target = "_blank";
          li.appendChild(a);
        } else { li.textContent = u; }
        ul.appendChild(li);
      });
      b.appendChild(ul);
    }
    return b;
  }
  function value(v) {
    var text = pretty(v);
    return text.indexOf("\n") < 0 ? el("code", "", text) : el("pre", "", text);
  }
  function suppression(sup) {
    if (!sup.reason) { return pretty(sup); }
    var where = sup.file ? " (" + sup.file + (sup.line ? ":" + sup.line : "") + ")" : "";
    return sup.reason + " (owner " + (sup.owner || "?") + ", expires " + (sup.expires || "never") + ")" + where;
  }
  function ensureBody(d) {
    if (!d.querySelector(".fbody")) { d.appendChild(body(Number(d.getAttribute("data-index")))); }
  }

  list.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.tagName === "DETAILS" && d.open) { ensureBody(d); }
  }, true);

  function schedule(e) {
    clearTimeout(timer);
    timer = setTimeout(apply, e && e.target && e.target.type === "search" ? 150 : 0);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.addEventListener("reset", function () { if (!quietReset) { setTimeout(apply, 0); } });
  moreBtn.addEventListener("click", function () { showUpTo(view.shown + PAGE); });
  allBtn.addEventListener("click", function () { showUpTo(view.order.length); });

  /* Chart bars and rule ids elsewhere in the page set a filter, then jump to the list. */
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("[data-filter]") : null;
    if (!link) { return; }
    quietReset = true;
    form.reset();
    quietReset = false;
    var kind = link.getAttribute("data-filter"), value = link.getAttribute("data-value");
    if (kind === "severity") {
      form.querySelectorAll("input[name=severity]").forEach(function (b) { b.checked = b.value === value; });
    } else if (kind === "rule") { form.elements.rule.value = value; }
    else if (kind === "sub") { form.elements.sub.value = value; }
    if (link.classList.contains("chart-filter")) {
      form.querySelectorAll("input[name=status]").forEach(function (b) { b.checked = b.value === "fail"; });
    }
    clearTimeout(timer);
    apply();
  });

  window.addEventListener("beforeprint", function () {
    renderRange(view.shown, view.order.length);
    view.shown = view.order.length;
    list.querySelectorAll("details.finding").forEach(function (d) { ensureBody(d); d.open = true; });
  });

  /* Build the search text while the reader looks at the page, so the first search is quick. */
  function warm(from) {
    var to = Math.min(from + 2000, F.length);
    for (var i = from; i < to; i++) { haystack(i); }
    if (to < F.length) { setTimeout(function () { warm(to); }, 16); }
  }

  /* #f-<fingerprint> opens that finding, so a link to one finding can be shared. */
  function openFromHash() {
    var m = /^#f-([0-9a-f]{32})$/.exec(location.hash);
    if (!m) { return; }
    var pos = -1;
    for (var p = 0; p < view.order.length; p++) { if (F[view.order[p]].fp === m[1]) { pos = p; break; } }
    if (pos < 0) { return; }
    showUpTo(pos + 1, function () {
      var d = document.getElementById("f-" + m[1]);
      if (d) { ensureBody(d); d.open = true; d.scrollIntoView(); }
    });
  }
  window.addEventListener("hashchange", openFromHash);

  var box = document.getElementById("filterbox");
  if (box) {
    box.hidden = false;
    /* On a phone the filters would fill the screen: start folded. */
    if (window.matchMedia && window.matchMedia("(max-width: 560px)").matches) { box.open = false; }
  }
  apply();
  openFromHash();
  document.documentElement.setAttribute("data-ready", "1");
  setTimeout(function () { warm(0); }, 50);
})();

/* The compliance framework switcher: without script every framework's view shows, one after
   the other; with it, one at a time, chosen with the tabs (arrow keys move between them). */
(function () {
  "use strict";
  var bar = document.querySelector(".fw-switch");
  if (!bar) { return; }
  var tabs = Array.prototype.slice.call(bar.querySelectorAll("button[role=tab]"));
  function show(tab) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(t.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !on; }
    });
  }
  tabs.forEach(function (t, i) {
    t.addEventListener("click", function () { show(t); });
    t.addEventListener("keydown", function (e) {
      var step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!step) { return; }
      var next = tabs[(i + step + tabs.length) % tabs.length];
      show(next);
      next.focus();
    });
  });
  bar.hidden = false;
  show(tabs[0]);
})();
