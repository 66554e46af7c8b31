// Saves text as a file the person keeps: a download in a browser, the save dialog in Electron
// (both take an <a download> of a blob: URL; nothing leaves this machine).
export function saveTextFile(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the blob over; drop our reference once the download has started.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
