import { describe, expect, it } from 'vitest';
import { parseSseFrame, takeFrames } from './sse';

describe('server-sent event frames', () => {
  it('reads the event name and the data', () => {
    expect(parseSseFrame('event: change\ndata: {"kinds":["deployments"]}')).toEqual({ event: 'change', data: '{"kinds":["deployments"]}' });
    expect(parseSseFrame('data: a\ndata: b')).toEqual({ event: 'message', data: 'a\nb' });
  });
  it('a keep-alive comment is no frame', () => {
    expect(parseSseFrame(':')).toBeNull();
    expect(parseSseFrame(': keep-alive')).toBeNull();
  });
  it('splits complete frames off a buffer, keeping the unfinished one', () => {
    expect(takeFrames('event: status\ndata: {}\n\nevent: change\ndata: {"kinds":[]}\n\nevent: ch')).toEqual({
      frames: ['event: status\ndata: {}', 'event: change\ndata: {"kinds":[]}'],
      rest: 'event: ch',
    });
    expect(takeFrames('data: x\r\n\r\n')).toEqual({ frames: ['data: x'], rest: '' });
  });
});
