import { describe, expect, it } from 'vitest';
import type { Application } from '@w3pool/config';
import { mapPath } from './map-path.js';

const app: Application = {
  path: '/shop',
  applicationPool: 'A',
  enabledProtocols: 'http',
  preloadEnabled: false,
  virtualDirectories: [
    { path: '/', physicalPath: '/srv/shop' },
    { path: '/images', physicalPath: '/mnt/images' },
  ],
};

describe('mapPath', () => {
  it('maps through the deepest virtual directory', () => {
    expect(mapPath(app, '/shop/cart.html')?.physicalPath).toBe('/srv/shop/cart.html');
    expect(mapPath(app, '/shop/images/a.png')?.physicalPath).toBe('/mnt/images/a.png');
    expect(mapPath(app, '/shop/imagesX/a.png')?.physicalPath).toBe('/srv/shop/imagesX/a.png');
    expect(mapPath(app, '/shop')?.physicalPath).toBe('/srv/shop');
    expect(mapPath(app, '/shop/sub/')?.physicalPath).toBe('/srv/shop/sub/');
  });

  it('maps plain paths directly and anything with a dot segment, a backslash or an empty segment safely', () => {
    expect(mapPath(app, '/shop/.well-known/a')?.physicalPath).toBe('/srv/shop/.well-known/a');
    expect(mapPath(app, '/shop/a..b/c')?.physicalPath).toBe('/srv/shop/a..b/c');
    expect(mapPath(app, '/shop/./a')?.physicalPath).toBe('/srv/shop/a');
    expect(mapPath(app, '/shop//a')?.physicalPath).toBe('/srv/shop/a');
    expect(mapPath(app, '/shop/a/..')?.physicalPath).toBe('/srv/shop');
    expect(mapPath(app, '/shop/..x/..')?.physicalPath).toBe('/srv/shop');
    expect(mapPath(app, '/shop/IMAGES/a.png')?.physicalPath).toBe('/mnt/images/a.png');
  });

  it('never leaves the virtual directory root', () => {
    expect(mapPath(app, '/shop/../../etc/passwd')).toBeUndefined();
    expect(mapPath(app, '/shop/images/../../../etc/passwd')).toBeUndefined();
    expect(mapPath(app, '/shop/a\0b')).toBeUndefined();
    expect(mapPath(app, '/other/x')).toBeUndefined();
  });
});
