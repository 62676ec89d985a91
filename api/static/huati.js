// Huati web page: plan form, topic cards, timeline, streaming chat, history. No build step.
(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const CHECKS = { compliance: "合规", low_barrier: "低门槛", relevance: "贴合产品", tone: "语气" };
  const STAGES = { warm_up: "预热", launch: "发话题", follow_up: "跟进", product_link: "发链接", wrap_up: "收尾" };
  const TYPES = { experience: "经历", either_or: "二选一", vote: "投票", photo_share: "晒图", memory: "回忆",
    tips_swap: "交换妙招", confession: "坦白", prediction: "预测" };

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  }

  function headers(extra = {}) {
    return { "X-Requested-With": "huati-web", ...extra };
  }

  async function problem(resp) {
    // The session ended (key revoked, cookie expired): say so instead of a bare error; the reload shows the login.
    if (resp.status === 401) return "登录已失效：请刷新页面，用 API 密钥重新登录。";
    try {
      const body = await resp.json();
      return body.detail || body.title || `请求失败（${resp.status}）`;
    } catch (_) {
      return `请求失败（${resp.status}）`;
    }
  }

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: headers({ Accept: "application/json" }) };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    if (!resp.ok) throw new Error(await problem(resp));
    return resp.status === 204 ? null : resp.json();
  }

  // ------------------------------------------------------------------ tabs
  function showTab(name) {
    if (!["plan", "chat", "history", "groups"].includes(name)) name = "plan";
    document.querySelectorAll(".tab-panel").forEach((p) => p.classList.toggle("active", p.id === `tab-${name}`));
    document.querySelectorAll(".tabs a").forEach((a) => a.classList.toggle("active", a.dataset.tab === name));
    if (name === "chat") $("#chat-input").focus({ preventScroll: true });
  }
  window.addEventListener("hashchange", () => showTab(location.hash.slice(1)));
  showTab(location.hash.slice(1));

  // ------------------------------------------------------------------ copy
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); return true; } catch (_) { /* fall back below */ }
    }
    const area = el("textarea", { readonly: "", class: "copy-area" });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    return ok;
  }

  // ------------------------------------------------------------------ plan
  function badge(name, result) {
    const passed = result.pass;
    const reasons = (result.reasons || []).join("；") || (passed ? "没有发现问题" : "未通过");
    return el("span", { class: `badge ${passed ? "pass" : "fail"}`, title: reasons, tabindex: "0",
      "data-check": name }, `${passed ? "✓" : "✗"} ${CHECKS[name] || name}`);
  }

  function topicCard(plan, topic, index) {
    const checks = topic.checks || {};
    const meta = el("div", { class: "topic-meta" });
    if (topic.type) meta.append(el("span", { text: TYPES[topic.type] || topic.type }));
    for (const name of Object.keys(CHECKS)) if (checks[name]) meta.append(badge(name, checks[name]));
    if (topic.hook && topic.hook.title) {
      meta.append(el("span", { text: `· ${topic.hook.title}`, title: topic.hook.why || "" }));
    }
    if (plan && (topic.engine !== plan.engine || topic.model !== plan.model)) {
      meta.append(el("span", { class: "origin", text: topic.engine === "offline" ? "· 离线引擎补足" : `· 大模型 ${topic.model}` }));
    }

    const details = el("details", {}, el("summary", { text: "检查理由与跟进话术" }));
    const list = el("ul");
    for (const name of Object.keys(CHECKS)) {
      const r = checks[name];
      if (!r) continue;
      list.append(el("li", { text: `${CHECKS[name]}：${r.pass ? "通过" : "不通过"}${(r.reasons || []).length ? "——" + r.reasons.join("；") : ""}` }));
    }
    for (const f of topic.follow_ups || []) list.append(el("li", { text: `跟进：${f}` }));
    if (topic.bridge) list.append(el("li", { text: `引到产品：${topic.bridge}` }));
    details.append(list);

    const copy = el("button", { type: "button", class: "copy", "data-text": topic.text }, "复制");
    copy.addEventListener("click", async () => {
      const ok = await copyText(topic.text);
      copy.textContent = ok ? "已复制" : "复制失败，请手动选择";
      copy.classList.toggle("done", ok);
      setTimeout(() => { copy.textContent = "复制"; copy.classList.remove("done"); }, 1800);
    });
    return el("li", { class: "topic", "data-topic-id": topic.id || "" },
      el("span", { class: "rank", text: String(index + 1) }),
      el("p", { class: "topic-text", text: topic.text }),
      meta,
      topic.reason ? el("p", { class: "topic-reason", text: `群里的反馈：${topic.reason}` }) : null,
      el("div", { class: "topic-actions" }, details, copy),
      plan && plan.id ? feedbackBar(plan, topic, index) : null);
  }

  // ------------------------------------------------------------------ feedback (posted / rejected / edited)
  const VERDICT_LABELS = { posted: "发了", rejected: "不用", edited: "改过再用" };

  function numberField(name, label) {
    return el("label", {}, label, el("input", { type: "number", min: "0", max: "100000", step: "1", name,
      inputmode: "numeric" }));
  }

  function feedbackBar(plan, topic, index) {
    const bar = el("div", { class: "topic-feedback" }, el("span", { text: "反馈：" }));
    const holder = el("div");
    for (const verdict of Object.keys(VERDICT_LABELS)) {
      const btn = el("button", { type: "button", "data-verdict": verdict }, VERDICT_LABELS[verdict]);
      btn.addEventListener("click", () => {
        bar.querySelectorAll("button").forEach((b) => b.classList.toggle("chosen", b === btn));
        holder.replaceChildren(feedbackForm(plan, topic, index, verdict, holder));
      });
      bar.append(btn);
    }
    return el("div", { class: "topic-feedback-wrap" }, bar, holder);
  }

  function feedbackForm(plan, topic, index, verdict, holder) {
    const form = el("form", { class: "feedback-form", "data-verdict": verdict });
    if (verdict === "edited") {
      const text = el("input", { class: "text", name: "text", maxlength: "500", required: "" });
      text.value = topic.text;
      form.append(el("label", {}, "改后的话题", text));
    }
    if (verdict !== "rejected") {
      form.append(el("label", {}, "几点发的", el("input", { type: "time", name: "posted_at" })),
        numberField("replies", "回复条数"), numberField("repliers", "接话人数"), numberField("orders", "成交单数"));
    }
    form.append(el("label", {}, "备注", el("input", { class: "note", name: "note", maxlength: "500",
      placeholder: verdict === "rejected" ? "如 太普通了，群里没人回" : "可不填" })));
    form.append(el("button", { type: "submit", class: "primary" }, "记下来"));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const body = { verdict };
      for (const key of ["text", "note", "posted_at"]) {
        const v = String(data.get(key) || "").trim();
        if (v) body[key] = v;
      }
      for (const key of ["replies", "repliers", "orders"]) {
        const v = String(data.get(key) || "").trim();
        if (v !== "") body[key] = Number(v);
      }
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        const row = await api("POST", `/v1/plans/${encodeURIComponent(plan.id)}/topics/${index + 1}/feedback`, body);
        const counts = [["replies", "回复", "条"], ["repliers", "接话", "人"], ["orders", "成交", "单"]]
          .filter(([k]) => row[k] != null).map(([k, label, unit]) => `${label} ${row[k]} ${unit}`).join("、");
        const lines = [`已记录：${VERDICT_LABELS[verdict]}${counts ? "｜" + counts : ""}`, ...(row.measured || [])];
        holder.replaceChildren(el("p", { class: "feedback-done", text: lines.join("；") }));
      } catch (err) {
        holder.querySelectorAll(".feedback-error").forEach((n) => n.remove());
        holder.append(el("p", { class: "status error feedback-error", text: err.message }));
        submit.disabled = false;
      }
    });
    return form;
  }

  let shownPlanId = "";

  function renderPlan(plan) {
    shownPlanId = plan.id || "";
    $("#plan-result").hidden = false;
    const who = (plan.audience ? ` · ${plan.audience.name}` : "") + (plan.group ? ` · 群 ${plan.group}` : "");
    $("#plan-title").textContent = `${plan.date} · ${plan.product.name}${who}`;
    const engine = plan.engine === "offline" ? "离线引擎" : "大模型";
    $("#plan-engine").textContent = `${engine} · ${plan.model}`;
    const fb = $("#plan-fallback");
    fb.hidden = !plan.fallback_reason;
    fb.textContent = plan.fallback_reason ? `注意：${plan.fallback_reason}` : "";
    const notes = $("#plan-notes");
    notes.replaceChildren(...(plan.notes || []).map((n) => el("li", { text: n })));
    notes.hidden = !(plan.notes || []).length;
    const cards = $("#topic-cards");
    cards.replaceChildren(...plan.topics.map((t, i) => topicCard(plan, t, i)));
    const tl = $("#timeline");
    tl.replaceChildren(...(plan.timeline || []).map((s) => el("li", {},
      el("span", { class: "time", text: s.time }), el("span", { class: "stage", text: STAGES[s.stage] || s.stage }),
      s.action, s.text ? el("span", { class: "say", text: s.text }) : null)));
    if (!(plan.timeline || []).length) tl.append(el("li", { text: "没有节奏安排" }));
  }

  function setStatus(text, error = false) {
    const s = $("#plan-status");
    s.textContent = text;
    s.classList.toggle("error", error);
  }

  $("#plan-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    const body = { product: String(form.get("product") || "").trim(), n: Number(form.get("n") || 3) };
    if (!body.product) { setStatus("请先填写主推产品", true); return; }
    if (form.get("audience")) body.audience = form.get("audience");
    if (form.get("date")) body.date = form.get("date");
    const group = String(form.get("group") || "").trim();
    if (group) body.group = group;
    const category = String(form.get("category") || "").trim();
    if (category) body.category = category;
    const points = String(form.get("points") || "").split(/[,，、;；]/).map((t) => t.trim()).filter(Boolean);
    if (points.length) body.points = points;
    const trends = String(form.get("trend") || "").split(/[,，、]/).map((t) => t.trim()).filter(Boolean);
    if (trends.length) body.trend = trends;
    const btn = $("#plan-submit");
    btn.disabled = true;
    setStatus("正在生成方案…");
    try {
      const plan = await api("POST", "/v1/plans", body);
      renderPlan(plan);
      addHistory(plan);
      setStatus(`已生成 ${plan.topics.length} 个话题，按推荐顺序排列。`);
    } catch (err) {
      setStatus(err.message, true);
    } finally {
      btn.disabled = false;
    }
  });

  // ------------------------------------------------------------------ history
  function addHistory(plan) {
    const list = $("#history-list");
    const empty = $(".empty", list);
    if (empty) empty.remove();
    const item = el("button", { type: "button", class: "history-item", "data-plan-id": plan.id },
      el("span", { class: "date", text: plan.date }), el("span", { class: "name", text: plan.product.name }),
      el("span", { class: "aud", text: plan.audience ? plan.audience.name : "" }),
      el("span", { class: "first", text: plan.topics.length ? plan.topics[0].text : "" }));
    list.prepend(el("li", {}, item));
  }

  function updateHistory(plan) {
    const item = document.querySelector(`#history-list .history-item[data-plan-id="${CSS.escape(plan.id)}"] .first`);
    if (item) item.textContent = plan.topics.length ? plan.topics[0].text : "";
  }

  $("#history-list").addEventListener("click", async (ev) => {
    const item = ev.target.closest(".history-item");
    if (!item) return;
    try {
      renderPlan(await api("GET", `/v1/plans/${encodeURIComponent(item.dataset.planId)}`));
      setStatus("");
      location.hash = "#plan";
    } catch (err) {
      setStatus(err.message, true);
      location.hash = "#plan";
    }
  });

  // ------------------------------------------------------------------ group report
  $("#report-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    const group = String(form.get("group") || "");
    const status = $("#report-status");
    if (!group) { status.textContent = "还没有群：先导入聊天记录，或生成方案时填上群。"; return; }
    status.textContent = "正在生成报告…";
    status.classList.remove("error");
    try {
      const resp = await fetch(`/v1/groups/${encodeURIComponent(group)}/report?weeks=${encodeURIComponent(form.get("weeks") || 4)}`,
        { credentials: "same-origin", headers: headers({ Accept: "text/html" }) });
      if (!resp.ok) throw new Error(await problem(resp));
      // The fragment is rendered by the server from its own data, every text escaped; charts are images.
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      $("#report-body").replaceChildren(...doc.body.childNodes);
      status.textContent = "";
    } catch (err) {
      status.textContent = err.message;
      status.classList.add("error");
    }
  });

  // ------------------------------------------------------------------ chat
  const log = $("#chat-log");
  let sessionId = localStorage.getItem("huati.chat.session") || "";

  function bubble(role, text, extra = "") {
    const node = el("div", { class: `msg ${role} ${extra}`.trim(), text });
    log.append(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  async function ensureSession() {
    if (sessionId) return sessionId;
    const s = await api("POST", "/v1/chat/sessions", {});
    sessionId = s.id;
    localStorage.setItem("huati.chat.session", sessionId);
    return sessionId;
  }

  async function restore() {
    if (!sessionId) return;
    try {
      const s = await api("GET", `/v1/chat/sessions/${encodeURIComponent(sessionId)}`);
      for (const m of s.messages) bubble(m.role, m.content);
    } catch (_) {
      sessionId = "";
      localStorage.removeItem("huati.chat.session");
    }
  }

  // Parse a text/event-stream body: blocks separated by a blank line, `event:` and `data:` fields.
  async function* sseEvents(resp) {
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) yield { event, data: data.join("\n") };
      }
    }
  }

  async function send(text) {
    bubble("user", text);
    const out = bubble("assistant", "", "streaming");
    const btn = $("#chat-send");
    btn.disabled = true;
    try {
      const sid = await ensureSession();
      const resp = await fetch(`/v1/chat/sessions/${encodeURIComponent(sid)}/messages`, {
        method: "POST", credentials: "same-origin",
        headers: headers({ Accept: "text/event-stream", "Content-Type": "application/json" }),
        body: JSON.stringify({ message: text }),
      });
      if (!resp.ok) throw new Error(await problem(resp));
      for await (const ev of sseEvents(resp)) {
        const data = JSON.parse(ev.data);
        if (ev.event === "token") {
          out.textContent += data.text;
          out.dataset.chunks = String(Number(out.dataset.chunks || 0) + 1);
        }
        else if (ev.event === "error") throw new Error(data.detail || "出错了");
        else if (ev.event === "done") {
          out.dataset.engine = data.engine;
          if (data.plan_id && (data.tools.includes("draft") || data.tools.includes("redraft"))) {
            api("GET", `/v1/plans/${encodeURIComponent(data.plan_id)}`).then((plan) => {
              addHistory(plan);
              renderPlan(plan);
            }).catch(() => {});
          } else if (data.plan_id && data.tools.includes("revise")) {
            // The chat saved a revised topic into the plan: the cards and history show the current text.
            api("GET", `/v1/plans/${encodeURIComponent(data.plan_id)}`).then((plan) => {
              if (shownPlanId === plan.id) renderPlan(plan);
              updateHistory(plan);
            }).catch(() => {});
          }
        }
        log.scrollTop = log.scrollHeight;
      }
    } catch (err) {
      out.classList.add("error");
      out.textContent = out.textContent ? `${out.textContent}\n${err.message}` : err.message;
    } finally {
      out.classList.remove("streaming");
      btn.disabled = false;
    }
  }

  $("#chat-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = $("#chat-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  $("#chat-new").addEventListener("click", () => {
    sessionId = "";
    localStorage.removeItem("huati.chat.session");
    log.replaceChildren(el("div", { class: "msg assistant hint", text: "新对话已开始。" }));
  });

  restore();
})();
