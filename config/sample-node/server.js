// The sample Express application: an unmodified Express app, mounted at /node by NodeAppModule
// (docs/node-apps.md). It does not call listen(); w3pool's worker hands it each request.
import express from 'express';

const app = express();

app.get('/node/', (req, res) => {
  res.type('text/plain').send(`Hello from Express ${req.query.name ?? 'world'}, in worker ${process.pid}\n`);
});

app.get('/node/json', (req, res) => {
  res.json({ app: 'express', path: req.path, pool: req.w3pool?.request.serverVariable('APP_POOL_ID') });
});

export default app;
