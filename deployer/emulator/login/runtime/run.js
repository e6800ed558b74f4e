#!/usr/bin/env node
'use strict';
// Runs one post-login Action phase: ONE JSON object on stdin, ONE JSON object on stdout.
//
//   node deployer/emulator/login/runtime/run.js < input.json > output.json
//
// The shapes are in README.md. Exit status 0 whenever an output was produced (a failed or
// denied login is an output, with `ok` and `denied` saying so); 2 when the input is unusable.
//
// The Action runs in a worker thread so that the time limit (Auth0: 20 s per trigger) holds
// even for code that never yields: the main thread terminates the worker when time is up.

const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const { runPostLogin, failure, checkInput } = require('./postlogin');

const DEFAULT_TIMEOUT_MS = 20000;

function inWorker() {
  // An Action awaiting a promise that never settles leaves nothing scheduled; without this the
  // thread would just exit, where Auth0 would wait until the time limit.
  const keepAlive = setInterval(() => {}, 60 * 60 * 1000);
  const send = (result) => {
    clearInterval(keepAlive);
    parentPort.postMessage({ type: 'result', result });
  };
  parentPort.postMessage({ type: 'started' });
  runPostLogin(workerData, (entry) => parentPort.postMessage({ type: 'log', entry })).then(
    send,
    (err) => send(failure(workerData, `runtime error: ${err && err.message}`)),
  );
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function finish(output, code = 0) {
  process.stdout.write(`${JSON.stringify(output)}\n`, () => process.exit(code));
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch (_err) {
    finish(failure(null, 'bad input: stdin is not one JSON object'), 2);
    return;
  }
  const problem = checkInput(input);
  if (problem) {
    finish(failure(input, `bad input: ${problem}`), 2);
    return;
  }
  const timeoutMs = input && Number.isFinite(input.timeout_ms) && input.timeout_ms > 0 ? input.timeout_ms : DEFAULT_TIMEOUT_MS;
  const logs = [];
  let done = false;
  let timer = null;
  const end = (output) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    // Logs come from the worker as they happen, so they survive a timeout.
    finish({ ...output, logs });
    worker.terminate();
  };
  const worker = new Worker(__filename, { workerData: input, stdout: true, stderr: true });
  worker.on('message', (message) => {
    if (message.type === 'started') {
      // The clock starts when the Action does, not when the worker thread boots.
      timer = setTimeout(() => end(failure(input, `the Action exceeded the execution limit of ${timeoutMs} ms`)), timeoutMs);
    } else if (message.type === 'log') {
      logs.push(message.entry);
    } else if (message.type === 'result') {
      end(message.result);
    }
  });
  worker.on('error', (err) => end(failure(input, `runtime error: ${err && err.message}`)));
  worker.on('exit', () => end(failure(input, 'the Action ended the process')));
}

if (isMainThread) main();
else inWorker();
