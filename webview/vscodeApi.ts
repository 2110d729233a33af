/** The webview side's link to the host: typed post, validated receive, view state. */
import { isToWebview, type FromWebview, type ToWebview } from './protocol';

interface VsCodeApi<S> {
  postMessage(message: FromWebview): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export function connect<S>(onMessage: (m: ToWebview) => void): VsCodeApi<S> {
  const api = acquireVsCodeApi<S>();
  window.addEventListener('message', (event: MessageEvent) => {
    if (isToWebview(event.data)) onMessage(event.data);
    else console.warn('SeqLab webview: ignored a malformed message', event.data);
  });
  return api;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Record<string, string>, ...children: Array<Node | string>): HTMLElementTagNameMap[K];
export function el(tag: string, attrs?: Record<string, string>, ...children: Array<Node | string>): HTMLElement;
export function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}
