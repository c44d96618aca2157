/* The SPARQL editor: a small tokenizer for highlighting, the named queries as examples, and a
   results table with CSV/JSON downloads.  No dependencies; runs under the service's CSP. */
(function () {
  "use strict";

  var KEYWORDS = ("BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED GRAPH OPTIONAL UNION MINUS FILTER " +
    "BIND VALUES SERVICE SILENT AS DISTINCT REDUCED ORDER BY ASC DESC LIMIT OFFSET GROUP HAVING NOT EXISTS IN " +
    "UNDEF INSERT DELETE DATA LOAD CLEAR DROP CREATE ADD MOVE COPY WITH USING DEFAULT ALL INTO TO a true false").split(" ");
  var FUNCTIONS = ("STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN " +
    "UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES " +
    "SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM " +
    "ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT " +
    "SEPARATOR").split(" ");
  var KW = {}, FN = {};
  KEYWORDS.forEach(function (k) { KW[k.toUpperCase()] = true; });
  FUNCTIONS.forEach(function (f) { FN[f] = true; });

  var RULES = [
    ["ws", /^\s+/],
    ["comment", /^#[^\n\r]*/],
    ["iri", /^<[^<>"{}|^`\\\s]*>/],
    ["string", /^("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')/],
    ["var", /^[?$][\w\u00B7\u00C0-\uFFFF]+/],
    ["number", /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/],
    ["langtag", /^@[a-zA-Z]+(-[a-zA-Z0-9]+)*/],
    ["pname", /^([A-Za-z\u00C0-\uFFFF][\w.\-\u00C0-\uFFFF]*)?:([\w\u00C0-\uFFFF%\-.:]*[\w\u00C0-\uFFFF%\-:])?/],
    ["word", /^[A-Za-z_][\w]*/],
    ["punct", /^(\^\^|&&|\|\||!=|<=|>=|[{}()\[\].,;*+\-\/=<>!|^])/],
    ["other", /^[\s\S]/]
  ];

  /** Split SPARQL text into [kind, text] tokens; their texts concatenate to the input. */
  function tokenize(text) {
    var tokens = [], rest = text;
    while (rest.length) {
      for (var i = 0; i < RULES.length; i++) {
        var m = RULES[i][1].exec(rest);
        if (m && m[0].length) {
          var kind = RULES[i][0];
          if (kind === "word") {
            var up = m[0].toUpperCase();
            kind = KW[up] || m[0] === "a" ? "keyword" : FN[up] ? "function" : "word";
          } else if (kind === "langtag") {
            kind = "string";
          }
          tokens.push([kind, m[0]]);
          rest = rest.slice(m[0].length);
          break;
        }
      }
    }
    return tokens;
  }
  window.pedkgTokenize = tokenize;

  var textarea = document.getElementById("query");
  var code = document.getElementById("highlight");
  var pre = code && code.parentNode;
  if (!textarea || !code) { return; }

  function highlight() {
    var frag = document.createDocumentFragment();
    tokenize(textarea.value).forEach(function (tok) {
      if (tok[0] === "ws" || tok[0] === "word" || tok[0] === "other") {
        frag.appendChild(document.createTextNode(tok[1]));
      } else {
        var span = document.createElement("span");
        span.className = "tok-" + tok[0];
        span.textContent = tok[1];
        frag.appendChild(span);
      }
    });
    frag.appendChild(document.createTextNode("\n"));
    code.textContent = "";
    code.appendChild(frag);
    syncScroll();
  }
  function syncScroll() { pre.scrollTop = textarea.scrollTop; pre.scrollLeft = textarea.scrollLeft; }
  textarea.addEventListener("input", highlight);
  textarea.addEventListener("scroll", syncScroll);
  textarea.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
    if (ev.key === "Tab" && !ev.shiftKey) {
      ev.preventDefault();
      var s = textarea.selectionStart;
      textarea.value = textarea.value.slice(0, s) + "  " + textarea.value.slice(textarea.selectionEnd);
      textarea.selectionStart = textarea.selectionEnd = s + 2;
      highlight();
    }
  });

  var examples = [];
  try { examples = JSON.parse(document.getElementById("examples-data").textContent); } catch (e) { examples = []; }
  var select = document.getElementById("examples");
  var description = document.getElementById("example-description");
  select.addEventListener("change", function () {
    var ex = examples.filter(function (x) { return x.name === select.value; })[0];
    if (!ex) { return; }
    textarea.value = ex.query;
    description.textContent = ex.description || "";
    highlight();
  });

  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var downloads = document.getElementById("downloads");
  var button = document.getElementById("run");
  button.addEventListener("click", function () { run(); });

  var BASE = "https://w3id.org/kz-edu/";
  function localHref(iri) {
    if (iri.indexOf(BASE) === 0) {
      var rest = iri.slice(BASE.length - 1);
      if (/^\/(id|code|eli|onto)([\/#]|$)/.test(rest)) { return rest; }
    }
    return iri;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.href = localHref(term.value);
      a.textContent = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) {
        var tag = document.createElement("span");
        tag.className = "lang";
        tag.textContent = " @" + term["xml:lang"];
        td.appendChild(tag);
      }
    }
    return td;
  }

  function renderTable(data) {
    var vars = data.head.vars || [];
    var table = document.createElement("table");
    var thead = table.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = "?" + v;
      thead.appendChild(th);
    });
    var body = table.createTBody();
    data.results.bindings.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
    });
    results.textContent = "";
    results.appendChild(table);
    return data.results.bindings.length;
  }

  function setDownloads(query) {
    var q = encodeURIComponent(query);
    document.getElementById("dl-csv").href = "/sparql?format=csv&query=" + q;
    document.getElementById("dl-json").href = "/sparql?format=json&query=" + q;
    downloads.hidden = false;
  }

  function run() {
    var query = textarea.value;
    var started = Date.now();
    button.disabled = true;
    status.textContent = "…";
    var body = new URLSearchParams();
    body.set("query", query);
    fetch("/sparql", {
      method: "POST", body: body,
      headers: { "Accept": "application/sparql-results+json, text/turtle;q=0.9" }
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      var truncated = response.headers.get("x-pedkg-truncated") === "true";
      return response.text().then(function (text) {
        var ms = Date.now() - started;
        if (!response.ok) {
          var message = text;
          try { message = JSON.parse(text).error.message; } catch (e) { /* not JSON */ }
          results.textContent = "";
          var div = document.createElement("div");
          div.className = "error";
          div.textContent = response.status + ": " + message;
          results.appendChild(div);
          status.textContent = "";
          downloads.hidden = true;
          return;
        }
        var n;
        if (type.indexOf("json") >= 0) {
          var data = JSON.parse(text);
          if (typeof data.boolean === "boolean") {
            results.textContent = String(data.boolean);
            n = 1;
          } else {
            n = renderTable(data);
          }
          setDownloads(query);
        } else {
          var out = document.createElement("pre");
          out.textContent = text;
          results.textContent = "";
          results.appendChild(out);
          n = text.split("\n").filter(function (l) { return l.trim(); }).length;
          downloads.hidden = true;
        }
        status.textContent = n + " " + (status.getAttribute("data-rows") || "rows") + " · " + ms + " ms" +
          (truncated ? " · truncated" : "");
      });
    }).catch(function (err) {
      results.textContent = String(err);
    }).then(function () { button.disabled = false; });
  }

  highlight();
}());
