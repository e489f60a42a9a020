// Server-sent events read with fetch (EventSource cannot send the bearer token). React-free.

export interface SseFrame {
  /** `event:` (`message` when the frame names none) */
  event: string;
  /** the joined `data:` lines */
  data: string;
}

/** One frame (the text between blank lines): its event name and data; null for a comment or keep-alive. */
export function parseSseFrame(frame: string): SseFrame | null {
  let event = 'message';
  const data: string[] = [];
  for (const raw of frame.replace(/\r/g, '').split('\n')) {
    if (!raw || raw.startsWith(':')) continue;
    const colon = raw.indexOf(':');
    const field = colon < 0 ? raw : raw.slice(0, colon);
    const value = colon < 0 ? '' : raw.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: data.join('\n') } : null;
}

/** Splits a growing buffer into complete frames and the unfinished rest. */
export function takeFrames(buf: string): { frames: string[]; rest: string } {
  const text = buf.replace(/\r\n/g, '\n');
  const parts = text.split('\n\n');
  const rest = parts.pop() ?? '';
  return { frames: parts, rest };
}
