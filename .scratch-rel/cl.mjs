import http from 'node:http';
const bytes = Buffer.from(JSON.stringify({ text: 'a'.repeat(1024 * 1024 + 10) }));
const req = http.request({ host: '127.0.0.1', port: 3999, path: '/api/similar', method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': bytes.length } }, (res) => {
  console.log('status', res.statusCode);
  res.on('data', () => {}); res.on('end', () => console.log('end'));
});
req.on('error', (e) => console.log('error', e.message));
req.on('close', () => console.log('close'));
req.end(bytes);
setTimeout(() => { console.log('timeout'); process.exit(1); }, 5000);
