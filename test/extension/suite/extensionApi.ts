import * as vscode from 'vscode';
import type { ExtensionTestApi } from '../../../extension/src/extension';

export const EXTENSION_ID = 'dockerhub-mcp.dockerhub-mcp';

export async function extensionApi(): Promise<ExtensionTestApi> {
  const extension = vscode.extensions.getExtension<ExtensionTestApi | undefined>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this extension host`);
  const api = await extension.activate();
  if (!api) throw new Error(`${EXTENSION_ID} returned no test API: is it running under an extension test runner?`);
  return api;
}

/** Resolves with the next firing of `event`, or rejects after `timeoutMs`. */
export function nextEvent(event: vscode.Event<void>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`the event did not fire within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = event(() => {
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    });
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
