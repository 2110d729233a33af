/** The HTML shell of SeqLab's webviews: CSP from default-src 'none', a nonce, local resources only. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * `worker`: a script in dist/webview the page runs as a web worker. The page fetches its text
 * and starts it from a blob (a webview cannot start a worker from its resource origin), so the
 * policy allows fetching from the extension's files and workers from blobs, and nothing more.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, script: string, title: string, options: { worker?: string } = {}): string {
  const nonce = randomBytes(16).toString('base64');
  const uri = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts)).toString();
  const workerPolicy = options.worker ? ` connect-src ${webview.cspSource}; worker-src blob:;` : '';
  return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource} 'unsafe-inline'; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';${workerPolicy}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('media', 'webview.css')}">
<link rel="stylesheet" href="${uri('dist', 'webview', 'uPlot.min.css')}">
<title>${title}</title>
</head>
<body>
<div id="root"${options.worker ? ` data-worker="${uri('dist', 'webview', options.worker)}"` : ''}></div>
<script nonce="${nonce}" type="module" src="${uri('dist', 'webview', script)}"></script>
</body>
</html>`;
}
