import { createServer } from 'node:http';
import { HELLO_BODY, fourKbPage } from '../payload.js';

// The ceiling: one node:http process answering from memory, with the same bodies and content type as the
// w3pool cases (hello world, and the 4 KB page at /4k), so ratios compare the path and not the payload.
const port = Number(process.argv[2]);
const page = fourKbPage();

createServer((request, response) => {
  response.setHeader('content-type', 'text/plain');
  response.end(request.url === '/4k' ? page : HELLO_BODY);
}).listen(port, '127.0.0.1', () => console.log('plain node ready'));
