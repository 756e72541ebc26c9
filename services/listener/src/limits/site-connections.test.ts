import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SiteConnections } from './site-connections.js';

describe('SiteConnections', () => {
  it('assigns a connection to the site of its first request and refuses past maxConnections', () => {
    const open: Record<number, number> = {};
    const connections = new SiteConnections(open);
    const [a, b, c] = [new EventEmitter(), new EventEmitter(), new EventEmitter()];
    expect(connections.admit(a, 1, 2)).toBe(true);
    expect(connections.admit(a, 1, 2)).toBe(true); // the same connection again: not counted twice
    expect(connections.admit(b, 1, 2)).toBe(true);
    expect(connections.admit(c, 1, 2)).toBe(false);
    expect(connections.admit(c, 2, 2)).toBe(true); // another site has its own count
    expect(connections.admit(a, 2, 1)).toBe(true); // a belongs to site 1 whatever its later Host says
    expect(open).toEqual({ 1: 2, 2: 1 });
  });

  it('releases a connection when it closes, and never counts one already closed', () => {
    const open: Record<number, number> = {};
    const connections = new SiteConnections(open);
    const a = new EventEmitter();
    expect(connections.admit(a, 1, 1)).toBe(true);
    expect(connections.admit(new EventEmitter(), 1, 1)).toBe(false);
    a.emit('close');
    expect(connections.count(1)).toBe(0);
    expect(open).toEqual({});
    const closed = Object.assign(new EventEmitter(), { destroyed: true });
    expect(connections.admit(closed, 1, 1)).toBe(true);
    expect(connections.count(1)).toBe(0);
  });
});
