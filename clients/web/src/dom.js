// The DOM helpers every view uses: a lookup by id, an element builder and a time element.

export const $ = (id) => document.getElementById(id);

// h("p", { className: "meta", testid: "x", onclick }, "text", child, [more]): attributes that
// are null, undefined or false are left out; `on…` attributes become listeners.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") el.className = value;
    else if (key === "testid") el.dataset.testid = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

// A Firestore timestamp as a <time>; a pending server timestamp (null) reads "just now".
export function when(ts) {
  const date = ts && typeof ts.toDate === "function" ? ts.toDate() : null;
  return date ? h("time", { datetime: date.toISOString() }, timeFormat.format(date)) : "just now";
}
