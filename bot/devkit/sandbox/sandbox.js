// The local Slack sandbox page: renders what the fake Slack holds and sends what the user
// does to /sandbox/* (which delivers it to the bot, signed, as Slack does).
// Plain modern JS, no build step. Every string from the state is escaped before it is
// put into the page; Markdown and mrkdwn are rendered by the small renderers below.
"use strict";

const $ = (selector) => document.querySelector(selector);

const ui = {
  user: new URLSearchParams(location.search).get("as") || "U0ALICE",
  channel: decodeURIComponent(location.hash.slice(1)) || "C0GENERAL",
  thread: null, // ts of the open thread's root
  home: false,
  state: null,
  drafts: {}, // view id -> {block_id: value}: what the user typed into the open modal
  modalKey: "",
  dismissed: new Set(), // ephemerals the user closed
};

// --- escaping and inline text ---------------------------------------------------------
function esc(text) {
  return String(text ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function safeUrl(url) {
  const trimmed = String(url || "").trim();
  return /^(https?:|mailto:|\/)/i.test(trimmed) ? trimmed : "#";
}

function userName(id) {
  const user = (ui.state?.users || []).find((u) => u.id === id);
  return user ? user.real_name : id;
}

function channelName(id) {
  const channel = (ui.state?.channels || []).find((c) => c.id === id);
  return channel ? channel.name || channel.label : id;
}

// Placeholders keep rendered pieces (code, links) away from later formatting passes.
function shelter() {
  const kept = [];
  return {
    keep(html) {
      kept.push(html);
      return `\u0000${kept.length - 1}\u0000`;
    },
    restore(text) {
      return text.replace(/\u0000(\d+)\u0000/g, (_, i) => kept[Number(i)]);
    },
  };
}

// --- Markdown (markdown blocks, streamed text) ------------------------------------------
function mdInline(raw) {
  const box = shelter();
  let text = esc(raw);
  text = text.replace(/`([^`\n]+)`/g, (_, code) => box.keep(`<code>${code}</code>`));
  text = text.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_, label, url) =>
    box.keep(`<a href="${esc(safeUrl(url))}" target="_blank" rel="noopener">${label}</a>`),
  );
  text = text.replace(/&lt;(https?:\/\/[^\s&]+)&gt;/g, (_, url) =>
    box.keep(`<a href="${url}" target="_blank" rel="noopener">${url}</a>`),
  );
  text = text.replace(/(^|[\s(])(https?:\/\/[^\s<)]+)/g, (_, lead, url) =>
    lead + box.keep(`<a href="${url}" target="_blank" rel="noopener">${url}</a>`),
  );
  text = text
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/__(?=\S)([\s\S]*?\S)__/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_(?=\S)([^_\n]*?\S)_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
  return box.restore(text);
}

function tableCells(line) {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

function markdown(source) {
  const lines = String(source ?? "").replace(/\r\n/g, "\n").split("\n");
  const out = [];
  let i = 0;
  const isTableRule = (line) => /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(line);
  const startsBlock = (line) =>
    /^(```|#{1,6}\s|\s*([-*+]|\d+[.)])\s|>|\s*(-{3,}|\*{3,})\s*$)/.test(line);
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^```\s*([\w+-]*)\s*$/);
    if (fence) {
      const body = [];
      i += 1;
      while (i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i++]);
      i += 1; // the closing fence (a stream may not have sent it yet)
      const lang = fence[1] ? ` data-lang="${esc(fence[1])}"` : "";
      out.push(`<pre class="code"${lang}><code>${esc(body.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      const level = heading[1].length;
      out.push(`<h${level} class="md-h">${mdInline(heading[2])}</h${level}>`);
      i += 1;
      continue;
    }
    if (/^\s*(-{3,}|\*{3,})\s*$/.test(line)) {
      out.push("<hr>");
      i += 1;
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && isTableRule(lines[i + 1])) {
      const head = tableCells(line);
      i += 2;
      const rows = [];
      while (i < lines.length && lines[i].includes("|") && lines[i].trim()) {
        rows.push(tableCells(lines[i++]));
      }
      const th = head.map((c) => `<th>${mdInline(c)}</th>`).join("");
      const trs = rows
        .map((r) => `<tr>${head.map((_, k) => `<td>${mdInline(r[k] ?? "")}</td>`).join("")}</tr>`)
        .join("");
      out.push(`<table class="md-table"><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`);
      continue;
    }
    const item = line.match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
    if (item) {
      const ordered = /\d/.test(item[1]);
      const items = [];
      while (i < lines.length) {
        const m = lines[i].match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
        if (!m || /\d/.test(m[1]) !== ordered) break;
        items.push(`<li>${mdInline(m[2])}</li>`);
        i += 1;
      }
      const tag = ordered ? "ol" : "ul";
      out.push(`<${tag}>${items.join("")}</${tag}>`);
      continue;
    }
    if (/^>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^>/.test(lines[i])) quoted.push(lines[i++].replace(/^>\s?/, ""));
      out.push(`<blockquote>${markdown(quoted.join("\n"))}</blockquote>`);
      continue;
    }
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !(para.length && startsBlock(lines[i]))) {
      if (lines[i].includes("|") && i + 1 < lines.length && isTableRule(lines[i + 1])) break;
      para.push(lines[i++]);
    }
    out.push(`<p>${para.map(mdInline).join("<br>")}</p>`);
  }
  return out.join("");
}

// --- Slack mrkdwn (sections, context) ------------------------------------------------
function slackToken(inner) {
  if (inner.startsWith("@")) {
    const id = inner.slice(1).split("|")[0];
    return `<span class="mention">@${esc(userName(id))}</span>`;
  }
  if (inner.startsWith("#")) {
    const [id, label] = inner.slice(1).split("|");
    return `<span class="mention">#${esc(label || channelName(id))}</span>`;
  }
  if (inner.startsWith("!")) {
    const word = inner.slice(1).split("|")[0].split("^")[0];
    return `<span class="mention">@${esc(word)}</span>`;
  }
  const [url, label] = inner.split("|");
  const shown = esc(unslack(label || url));
  return `<a href="${esc(safeUrl(unslack(url)))}" target="_blank" rel="noopener">${shown}</a>`;
}

function unslack(text) {
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function mrkdwn(source) {
  const box = shelter();
  let text = String(source ?? "");
  text = text.replace(/```([\s\S]*?)```/g, (_, code) =>
    box.keep(`<pre class="code"><code>${esc(unslack(code.replace(/^\n/, "")))}</code></pre>`),
  );
  text = text.replace(/`([^`\n]+)`/g, (_, code) => box.keep(`<code>${esc(unslack(code))}</code>`));
  text = text.replace(/<([^<>\n]+)>/g, (_, inner) => box.keep(slackToken(inner)));
  text = esc(unslack(text));
  text = text
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/g, "$1<em>$2</em>")
    .replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?!\w)/g, "$1<del>$2</del>")
    .replace(/^&gt;\s?(.*)$/gm, '<span class="quote">$1</span>')
    .replace(/:([a-z0-9_+-]+):/g, (whole, name) => (EMOJI[name] ? EMOJI[name] : whole));
  return box.restore(text).replace(/\n/g, "<br>");
}

function textObject(obj) {
  if (!obj) return "";
  if (typeof obj === "string") return esc(obj);
  if (obj.type === "mrkdwn") return mrkdwn(obj.text);
  return esc(obj.text).replace(/\n/g, "<br>");
}

// --- Block Kit ----------------------------------------------------------------------
const EMOJI = {
  white_check_mark: "\u2705", heavy_check_mark: "\u2714\ufe0f", x: "\u274c",
  hourglass_flowing_sand: "\u23f3", hourglass: "\u231b", eyes: "\ud83d\udc40",
  warning: "\u26a0\ufe0f", rotating_light: "\ud83d\udea8", thumbsup: "\ud83d\udc4d",
  "+1": "\ud83d\udc4d", tada: "\ud83c\udf89", robot_face: "\ud83e\udd16",
  gear: "\u2699\ufe0f", hammer_and_wrench: "\ud83d\udee0\ufe0f", memo: "\ud83d\udcdd",
  calendar: "\ud83d\udcc5", clock3: "\ud83d\udd52", stopwatch: "\u23f1\ufe0f",
  no_entry: "\u26d4", repeat: "\ud83d\udd01", email: "\ud83d\udce7",
  speech_balloon: "\ud83d\udcac", paperclip: "\ud83d\udcce", link: "\ud83d\udd17",
};

function emoji(name) {
  return EMOJI[name] || `:${esc(name)}:`;
}

function button(element, ctx) {
  const style = element.style ? ` btn-${esc(element.style)}` : "";
  const data = actionData(element, ctx);
  if (element.url) {
    return `<a class="btn${style}" href="${esc(safeUrl(element.url))}" target="_blank" rel="noopener"${data}>${textObject(element.text)}</a>`;
  }
  return `<button type="button" class="btn${style}"${data}>${textObject(element.text)}</button>`;
}

function actionData(element, ctx) {
  if (!ctx || !ctx.message) return "";
  const attrs = {
    "data-action": element.action_id || "",
    "data-block": ctx.block_id || "",
    "data-ts": ctx.message.ts,
    "data-channel": ctx.message.channel,
  };
  if (element.value !== undefined) attrs["data-value"] = element.value;
  if (element.confirm) attrs["data-confirm"] = element.confirm.text?.text || "Are you sure?";
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join("");
}

function element(el, ctx) {
  switch (el.type) {
    case "button":
      return button(el, ctx);
    case "image":
      return `<img class="el-image" src="${esc(safeUrl(el.image_url))}" alt="${esc(el.alt_text)}">`;
    case "mrkdwn":
    case "plain_text":
      return `<span>${textObject(el)}</span>`;
    case "static_select":
    case "overflow": {
      const options = (el.options || [])
        .map((o) => `<option value="${esc(o.value)}">${textObject(o.text)}</option>`)
        .join("");
      return `<select disabled title="not interactive in the sandbox">${options}</select>`;
    }
    default:
      return `<span class="unsupported">[${esc(el.type)}]</span>`;
  }
}

function richText(elements) {
  return (elements || [])
    .map((el) => {
      switch (el.type) {
        case "rich_text_section":
          return `<div>${richText(el.elements)}</div>`;
        case "rich_text_preformatted":
          return `<pre class="code"><code>${richText(el.elements)}</code></pre>`;
        case "rich_text_quote":
          return `<blockquote>${richText(el.elements)}</blockquote>`;
        case "rich_text_list": {
          const tag = el.style === "ordered" ? "ol" : "ul";
          return `<${tag}>${(el.elements || []).map((s) => `<li>${richText(s.elements)}</li>`).join("")}</${tag}>`;
        }
        case "text": {
          let html = esc(el.text).replace(/\n/g, "<br>");
          const style = el.style || {};
          if (style.code) html = `<code>${html}</code>`;
          if (style.bold) html = `<strong>${html}</strong>`;
          if (style.italic) html = `<em>${html}</em>`;
          if (style.strike) html = `<del>${html}</del>`;
          return html;
        }
        case "link":
          return `<a href="${esc(safeUrl(el.url))}" target="_blank" rel="noopener">${esc(el.text || el.url)}</a>`;
        case "user":
          return `<span class="mention">@${esc(userName(el.user_id))}</span>`;
        case "channel":
          return `<span class="mention">#${esc(channelName(el.channel_id))}</span>`;
        case "emoji":
          return emoji(el.name);
        default:
          return "";
      }
    })
    .join("");
}

function block(b, ctx) {
  const inner = { ...ctx, block_id: b.block_id };
  switch (b.type) {
    case "section": {
      const fields = (b.fields || []).map((f) => `<div>${textObject(f)}</div>`).join("");
      const accessory = b.accessory ? `<div class="accessory">${element(b.accessory, inner)}</div>` : "";
      return `<div class="blk blk-section"><div class="section-body"><div>${textObject(b.text)}</div>${
        fields ? `<div class="fields">${fields}</div>` : ""
      }</div>${accessory}</div>`;
    }
    case "markdown":
      return `<div class="blk blk-markdown md">${markdown(b.text)}</div>`;
    case "header":
      return `<div class="blk blk-header">${textObject(b.text)}</div>`;
    case "divider":
      return `<hr class="blk blk-divider">`;
    case "context":
      return `<div class="blk blk-context">${(b.elements || []).map((e) => element(e, inner)).join("")}</div>`;
    case "actions":
      return `<div class="blk blk-actions">${(b.elements || []).map((e) => element(e, inner)).join("")}</div>`;
    case "image":
      return `<figure class="blk blk-image">${b.title ? `<figcaption>${textObject(b.title)}</figcaption>` : ""}<img src="${esc(safeUrl(b.image_url))}" alt="${esc(b.alt_text)}"></figure>`;
    case "rich_text":
      return `<div class="blk blk-rich">${richText(b.elements)}</div>`;
    case "file":
      return `<div class="blk file-card">\ud83d\udcc4 ${esc(b.external_id || "file")}</div>`;
    case "input":
      return inputBlock(b, ctx);
    default:
      return `<div class="blk unsupported">[${esc(b.type)} block]</div>`;
  }
}

function blocks(list, ctx) {
  return (list || []).map((b) => block(b, ctx)).join("");
}

// --- modal inputs -------------------------------------------------------------------
function inputValue(viewId, blockId, el) {
  const draft = ui.drafts[viewId] || {};
  if (blockId in draft) return draft[blockId];
  switch (el.type) {
    case "plain_text_input":
    case "number_input":
    case "email_text_input":
    case "url_text_input":
      return el.initial_value ?? "";
    case "static_select":
    case "radio_buttons":
      return el.initial_option ? el.initial_option.value : "";
    case "checkboxes":
      return (el.initial_options || []).map((o) => o.value);
    case "conversations_select":
    case "channels_select":
      return el.initial_conversation || el.initial_channel ||
        (el.default_to_current_conversation ? ui.channel : "");
    case "users_select":
      return el.initial_user || "";
    case "datepicker":
      return el.initial_date || "";
    case "timepicker":
      return el.initial_time || "";
    case "datetimepicker":
      return el.initial_date_time ? toLocalInput(el.initial_date_time) : "";
    default:
      return "";
  }
}

function toLocalInput(epoch) {
  const d = new Date(Number(epoch) * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function options(el) {
  const all = [...(el.options || [])];
  for (const group of el.option_groups || []) all.push(...(group.options || []));
  return all;
}

function inputBlock(b, ctx) {
  const el = b.element || {};
  const id = b.block_id;
  const viewId = ctx.viewId;
  const value = inputValue(viewId, id, el);
  const fieldId = `in-${esc(id)}`;
  const attrs = `id="${fieldId}" data-input="${esc(id)}" data-kind="${esc(el.type)}"`;
  const placeholder = el.placeholder ? ` placeholder="${esc(el.placeholder.text)}"` : "";
  let control;
  switch (el.type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
      control = el.multiline
        ? `<textarea ${attrs} rows="3"${placeholder}>${esc(value)}</textarea>`
        : `<input ${attrs} type="text" value="${esc(value)}"${placeholder}>`;
      break;
    case "number_input":
      control = `<input ${attrs} type="number" value="${esc(value)}"${placeholder}>`;
      break;
    case "static_select": {
      const opts = options(el)
        .map((o) => `<option value="${esc(o.value)}"${o.value === value ? " selected" : ""}>${esc(o.text?.text)}</option>`)
        .join("");
      const none = value ? "" : `<option value="" selected>${esc(el.placeholder?.text || "Select an option")}</option>`;
      control = `<select ${attrs}>${none}${opts}</select>`;
      break;
    }
    case "radio_buttons":
    case "checkboxes": {
      const kind = el.type === "radio_buttons" ? "radio" : "checkbox";
      const chosen = Array.isArray(value) ? value : [value];
      control = `<div ${attrs} role="${kind === "radio" ? "radiogroup" : "group"}" class="choices">${options(el)
        .map(
          (o) =>
            `<label><input type="${kind}" name="${fieldId}" value="${esc(o.value)}"${chosen.includes(o.value) ? " checked" : ""}> ${esc(o.text?.text)}${
              o.description ? ` <small>${esc(o.description.text)}</small>` : ""
            }</label>`,
        )
        .join("")}</div>`;
      break;
    }
    case "conversations_select":
    case "channels_select": {
      const convs = (ui.state?.channels || []).filter((c) => c.kind !== "im" || el.type === "conversations_select");
      control = `<select ${attrs}>${value ? "" : '<option value="">Select a channel</option>'}${convs
        .map((c) => `<option value="${esc(c.id)}"${c.id === value ? " selected" : ""}>${c.kind === "im" ? "" : "#"}${esc(c.name || c.label)}</option>`)
        .join("")}</select>`;
      break;
    }
    case "users_select":
      control = `<select ${attrs}><option value=""></option>${(ui.state?.users || [])
        .map((u) => `<option value="${esc(u.id)}"${u.id === value ? " selected" : ""}>${esc(u.real_name)}</option>`)
        .join("")}</select>`;
      break;
    case "datepicker":
      control = `<input ${attrs} type="date" value="${esc(value)}">`;
      break;
    case "timepicker":
      control = `<input ${attrs} type="time" value="${esc(value)}">`;
      break;
    case "datetimepicker":
      control = `<input ${attrs} type="datetime-local" value="${esc(value)}">`;
      break;
    default:
      control = `<span class="unsupported">[${esc(el.type)}]</span>`;
  }
  const error = ctx.errors?.[id];
  const optional = b.optional ? ' <span class="optional">(optional)</span>' : "";
  const hint = b.hint ? `<div class="hint">${textObject(b.hint)}</div>` : "";
  const dispatch = b.dispatch_action ? " data-dispatch" : "";
  return `<div class="blk blk-input${error ? " has-error" : ""}" data-block-id="${esc(id)}"${dispatch}>
    <label class="input-label" for="${fieldId}">${textObject(b.label)}${optional}</label>
    ${control}${hint}${error ? `<div class="field-error" role="alert">${esc(error)}</div>` : ""}
  </div>`;
}

function readInput(node) {
  const kind = node.dataset.kind;
  if (kind === "radio_buttons") {
    const picked = node.querySelector("input:checked");
    return picked ? picked.value : "";
  }
  if (kind === "checkboxes") return [...node.querySelectorAll("input:checked")].map((n) => n.value);
  return node.value;
}

const TEXT_KINDS = ["plain_text_input", "number_input", "email_text_input", "url_text_input"];

function submittedValue(kind, value) {
  if (TEXT_KINDS.includes(kind)) return value ?? ""; // a cleared field stays cleared
  if (value === "" || value === undefined) return null;
  if (kind === "datetimepicker") return Math.floor(new Date(value).getTime() / 1000);
  return value;
}

// --- messages -------------------------------------------------------------------------
function time(ts) {
  const d = new Date(Number(ts) * 1000);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function messageBody(m) {
  const ctx = { message: m };
  let html = "";
  if (m.streamed) {
    html += `<div class="md stream-text">${markdown(m.text)}${m.streaming ? '<span class="cursor" aria-label="streaming"></span>' : ""}</div>`;
    html += blocks(m.blocks, ctx);
  } else if (m.blocks && m.blocks.length) {
    html += blocks(m.blocks, ctx);
  } else {
    html += `<div class="plain">${mrkdwn(m.text)}</div>`;
  }
  for (const file of m.files || []) {
    html += `<a class="file-card" href="${esc(file.url)}" download="${esc(file.name)}">\ud83d\udcc4 <strong>${esc(file.title)}</strong> <small>${esc(file.name)} &middot; ${file.size.toLocaleString()} bytes</small></a>`;
  }
  return html;
}

function messageHtml(m, { inThread }) {
  const initials = esc((m.user_name || "?").slice(0, 1));
  const badge = m.bot ? '<span class="badge">APP</span>' : "";
  const edited = m.edited ? '<span class="edited">(edited)</span>' : "";
  const streaming = m.streaming ? '<span class="streaming-label">streaming</span>' : "";
  const reactions = (m.reactions || [])
    .map((r) => `<span class="reaction" title=":${esc(r.name)}:" data-reaction="${esc(r.name)}">${emoji(r.name)} ${r.count}</span>`)
    .join("");
  const replies =
    !inThread && m.reply_count
      ? `<button type="button" class="replies" data-open-thread="${esc(m.ts)}">${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}</button>`
      : "";
  const replyButton = inThread ? "" : `<button type="button" class="reply-btn" data-open-thread="${esc(m.ts)}" title="Reply in thread">Reply</button>`;
  return `<article class="msg${m.bot ? " from-bot" : ""}${m.streaming ? " is-streaming" : ""}" data-ts="${esc(m.ts)}" data-user="${esc(m.user)}">
    <div class="avatar${m.bot ? " bot" : ""}">${m.bot ? "\ud83e\udd16" : initials}</div>
    <div class="msg-main">
      <div class="msg-head"><strong>${esc(m.user_name)}</strong>${badge}<time>${time(m.ts)}</time>${edited}${streaming}${replyButton}</div>
      <div class="msg-body">${messageBody(m)}</div>
      ${reactions ? `<div class="reactions">${reactions}</div>` : ""}
      ${replies}
    </div>
  </article>`;
}

function ephemeralHtml(e) {
  const m = { ...e, user: "", bot: true, channel: e.channel };
  const body = e.blocks && e.blocks.length ? blocks(e.blocks, { message: m }) : `<div class="plain">${mrkdwn(e.text)}</div>`;
  return `<article class="msg ephemeral" data-ts="${esc(e.ts)}">
    <div class="avatar bot">\ud83e\udd16</div>
    <div class="msg-main">
      <div class="msg-head"><strong>${esc(ui.state.bot.name)}</strong><span class="badge">APP</span><time>${time(e.ts)}</time>
        <span class="only-you">Only visible to you</span>
        <button type="button" class="icon dismiss" data-dismiss="${esc(e.ts)}" aria-label="Dismiss">&times;</button></div>
      <div class="msg-body">${body}</div>
    </div>
  </article>`;
}

function renderList(container, items) {
  const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  container.innerHTML = items.join("") || '<p class="empty">No messages yet.</p>';
  if (nearBottom) container.scrollTop = container.scrollHeight;
}

function merged(messages, ephemerals) {
  const all = [
    ...messages.map((m) => ({ ts: m.ts, html: () => messageHtml(m, { inThread: false }) })),
    ...ephemerals.filter((e) => !ui.dismissed.has(e.ts)).map((e) => ({ ts: e.ts, html: () => ephemeralHtml(e) })),
  ];
  return all.sort((a, b) => Number(a.ts) - Number(b.ts));
}

function render() {
  const s = ui.state;
  if (!s) return;
  renderSidebar(s);
  const channel = s.channels.find((c) => c.id === ui.channel) || s.channels[0];
  ui.channel = channel.id;
  $("#channel-title").textContent = channel.kind === "im" ? s.bot.name : `${channel.kind === "group" ? "\ud83d\udd12 " : "# "}${channel.name}`;
  $("#channel-note").textContent = ui.home
    ? "App Home"
    : channel.bot_member
      ? channel.kind === "im" ? "Direct messages with the app" : `${s.bot.name} is in this channel`
      : `${s.bot.name} is not in this channel`;
  $("#home").hidden = !ui.home;
  $("#messages").hidden = ui.home;
  $("#composer").hidden = ui.home;
  if (ui.home) {
    $("#channel-title").textContent = `${s.bot.name} \u00b7 Home`;
    $("#home").innerHTML = s.home ? blocks(s.home, {}) : '<p class="empty">The app has not published a Home tab yet.</p>';
  }
  const all = s.messages[channel.id] || [];
  const top = all.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const eph = s.ephemerals.filter((e) => e.channel === channel.id && !e.thread_ts);
  renderList($("#messages"), merged(top, eph).map((x) => x.html()));
  renderThread(all);
  renderModal(s.modal);
}

function renderSidebar(s) {
  const item = (c, label) =>
    `<li><button type="button" class="nav-item${c.id === ui.channel && !ui.home ? " active" : ""}" data-channel="${esc(c.id)}">${label}</button></li>`;
  $("#channels").innerHTML = s.channels
    .filter((c) => c.kind !== "im")
    .map((c) => item(c, `${c.kind === "group" ? "\ud83d\udd12" : "#"} ${esc(c.name)}${c.bot_member ? "" : ' <small title="the app is not a member">(no app)</small>'}`))
    .join("");
  $("#dms").innerHTML = s.channels.filter((c) => c.kind === "im").map((c) => item(c, `\ud83e\udd16 ${esc(s.bot.name)}`)).join("");
  $("#nav-home").classList.toggle("active", ui.home);
}

function renderThread(all) {
  const pane = $("#thread");
  const root = ui.thread && all.find((m) => m.ts === ui.thread);
  if (!root || ui.home) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const replies = all.filter((m) => m.thread_ts === root.ts && m.ts !== root.ts);
  const eph = ui.state.ephemerals.filter((e) => e.channel === root.channel && e.thread_ts === root.ts);
  const items = [
    messageHtml(root, { inThread: true }),
    `<div class="reply-count">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</div>`,
    ...merged(replies, eph).map((x) =>
      x.html().replace(/<button type="button" class="reply-btn"[^>]*>Reply<\/button>/, "").replace(/<button type="button" class="replies"[^>]*>[^<]*<\/button>/, ""),
    ),
  ];
  renderList($("#thread-messages"), items);
}

function renderModal(modal) {
  const layer = $("#modal-layer");
  if (!modal) {
    layer.hidden = true;
    layer.innerHTML = "";
    ui.modalKey = "";
    return;
  }
  const key = JSON.stringify([modal.id, modal.title, modal.blocks, modal.errors, modal.submit]);
  if (key === ui.modalKey) return; // unchanged: keep focus and what is being typed
  saveDrafts();
  ui.modalKey = key;
  layer.hidden = false;
  const ctx = { viewId: modal.id, errors: modal.errors };
  layer.innerHTML = `<form class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title" data-view="${esc(modal.id)}" novalidate>
    <div class="modal-head"><h2 id="modal-title">${textObject(modal.title)}</h2>
      <button type="button" class="icon" data-modal-close aria-label="Close">&times;</button></div>
    <div class="modal-body">${blocks(modal.blocks, ctx)}</div>
    <div class="modal-foot">
      <button type="button" class="btn" data-modal-close>${textObject(modal.close || { text: "Cancel" })}</button>
      ${modal.submit ? `<button type="submit" class="btn btn-primary">${textObject(modal.submit)}</button>` : ""}
    </div>
  </form>`;
}

function saveDrafts() {
  const form = $("#modal-layer form");
  if (!form) return;
  const drafts = (ui.drafts[form.dataset.view] ||= {});
  for (const node of form.querySelectorAll("[data-input]")) drafts[node.dataset.input] = readInput(node);
}

// --- talking to the sandbox -------------------------------------------------------------
let fetching = false;
let again = false;

async function refresh() {
  if (fetching) {
    again = true;
    return;
  }
  fetching = true;
  try {
    const response = await fetch(`/sandbox/state?user=${encodeURIComponent(ui.user)}`);
    if (response.ok) {
      ui.state = await response.json();
      render();
    }
  } finally {
    fetching = false;
    if (again) {
      again = false;
      refresh();
    }
  }
}

function toast(text) {
  const node = $("#toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (node.hidden = true), 5000);
}

async function post(path, body) {
  const response = await fetch(`/sandbox/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: ui.user, ...body }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) toast(answer.error || `${path} failed (${response.status})`);
  await refresh();
  return answer;
}

function mentionsToSlack(text) {
  // "@workers" typed by a person becomes the <@U..> token a Slack client would send
  const users = ui.state?.users || [];
  return text.replace(/(^|\s)@([\w.-]+)/g, (whole, lead, name) => {
    const user = users.find((u) => u.name.toLowerCase() === name.toLowerCase() || u.real_name.toLowerCase() === name.toLowerCase());
    return user ? `${lead}<@${user.id}>` : whole;
  });
}

async function send(text, threadTs) {
  const trimmed = text.trim();
  if (!trimmed) return;
  if (!threadTs && trimmed.startsWith("/")) {
    await post("command", { channel: ui.channel, text: trimmed });
  } else {
    await post("message", { channel: ui.channel, text: mentionsToSlack(trimmed), thread_ts: threadTs || null });
  }
}

function listen() {
  const events = new EventSource("/sandbox/events");
  events.onopen = () => {
    $("#live").textContent = "live";
    $("#live").classList.add("on");
  };
  events.onmessage = () => refresh();
  events.onerror = () => {
    $("#live").textContent = "reconnecting";
    $("#live").classList.remove("on");
  };
}

function bindComposer(form, textarea, threadTs) {
  const submit = async () => {
    const text = textarea.value;
    textarea.value = "";
    await send(text, threadTs());
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  });
}

function setup() {
  const users = $("#as-user");
  users.innerHTML = ["U0ALICE", "U0BOB", "U0CAROL"].map((id) => `<option value="${id}">${id.slice(2).charAt(0)}${id.slice(3).toLowerCase()}</option>`).join("");
  users.value = ui.user;
  users.addEventListener("change", () => {
    ui.user = users.value;
    const url = new URL(location.href);
    url.searchParams.set("as", ui.user);
    history.replaceState(null, "", url);
    ui.thread = null;
    refresh();
  });
  bindComposer($("#composer"), $("#composer-text"), () => null);
  bindComposer($("#thread-composer"), $("#thread-text"), () => ui.thread);
  $("#thread-close").addEventListener("click", () => {
    ui.thread = null;
    render();
  });
  $("#nav-home").addEventListener("click", async () => {
    ui.home = true;
    ui.thread = null;
    render();
    await post("home", {});
  });
  document.addEventListener("click", onClick);
  $("#modal-layer").addEventListener("submit", onSubmitModal);
  $("#modal-layer").addEventListener("input", saveDrafts);
  $("#modal-layer").addEventListener("change", onModalChange);
  $("#modal-layer").addEventListener("keydown", onModalKey);
  window.addEventListener("hashchange", () => {
    ui.channel = decodeURIComponent(location.hash.slice(1)) || ui.channel;
    render();
  });
  listen();
  refresh();
}

async function onClick(event) {
  const target = event.target.closest("button, a");
  if (!target) return;
  const data = target.dataset;
  if (data.channel && target.classList.contains("nav-item")) {
    ui.channel = data.channel;
    ui.home = false;
    ui.thread = null;
    history.replaceState(null, "", `#${encodeURIComponent(ui.channel)}`);
    render();
    $("#composer-text").focus();
  } else if (data.openThread) {
    ui.thread = data.openThread;
    render();
    $("#thread-text").focus();
  } else if (data.dismiss) {
    ui.dismissed.add(data.dismiss);
    render();
  } else if (data.action !== undefined && target.tagName === "BUTTON") {
    if (data.confirm && !window.confirm(data.confirm)) return;
    target.disabled = true;
    await post("action", {
      channel: data.channel,
      message_ts: data.ts,
      action_id: data.action,
      block_id: data.block || null,
      value: data.value ?? null,
    });
  } else if (target.hasAttribute("data-modal-close")) {
    const form = target.closest("form");
    await post("view_close", { view_id: form.dataset.view });
  }
}

function modalValues(form) {
  const values = {};
  for (const node of form.querySelectorAll("[data-input]")) {
    values[node.dataset.input] = submittedValue(node.dataset.kind, readInput(node));
  }
  return values;
}

// An input with dispatch_action tells the bot when it changes (a select) or when Enter
// is pressed in it (a text field), as Slack does; the bot may answer with views.update.
async function dispatchFrom(target) {
  const wrapper = target.closest(".blk-input[data-dispatch]");
  const form = target.closest("form");
  if (!wrapper || !form) return;
  saveDrafts();
  await post("view_action", {
    view_id: form.dataset.view,
    block_id: wrapper.dataset.blockId,
    values: modalValues(form),
  });
}

function onModalChange(event) {
  saveDrafts();
  const kind = event.target.closest("[data-input]")?.dataset.kind;
  if (kind && !TEXT_KINDS.includes(kind)) dispatchFrom(event.target);
}

function onModalKey(event) {
  if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
  event.preventDefault(); // Enter in a modal field never submits the modal in Slack
  dispatchFrom(event.target);
}

async function onSubmitModal(event) {
  event.preventDefault();
  const form = event.target;
  saveDrafts();
  const values = modalValues(form);
  const submit = form.querySelector('button[type="submit"]');
  if (submit) submit.disabled = true;
  try {
    await post("view_submission", { view_id: form.dataset.view, values });
  } finally {
    if (submit && document.body.contains(submit)) submit.disabled = false;
  }
}

setup();
