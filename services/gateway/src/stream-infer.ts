import type * as grpc from '@grpc/grpc-js';
import { callDeadline, statusName, toStatus } from '@hera/grpc';
import type { ModelInferRequest__Output, ModelInferResponse, ModelStreamInferResponse } from '@hera/proto';
import type { GatewayDeps, InferContext } from './server';

/** Queries of one stream running at once unless the gateway's config says otherwise. */
export const STREAM_MAX_IN_FLIGHT = 64;

type InferOne = (deps: GatewayDeps, req: ModelInferRequest__Output, ctx: InferContext) => Promise<ModelInferResponse>;

/**
 * The answer for a failed request: Triton's error_message, "<STATUS>: <reason>", beside an
 * infer_response holding only the request's id and model, as Triton sends it, so the client
 * knows which request failed.
 */
export function streamError(
  err: unknown,
  req: ModelInferRequest__Output,
  log: GatewayDeps['log'],
): ModelStreamInferResponse {
  const s = toStatus(err, log, { method: 'ModelStreamInfer' });
  return {
    errorMessage: `${statusName(s.code ?? 13)}: ${s.details ?? ''}`,
    inferResponse: { id: req.id, modelName: req.modelName, modelVersion: req.modelVersion },
  };
}

/**
 * ModelStreamInfer (Triton's bidirectional inference): each request runs as a ModelInfer would
 * and is answered when it finishes, with its ModelInferResponse (carrying its id) or an
 * error_message (with the request's id); a failed request does not end the stream. At most `streamMaxInFlight` of a
 * stream's queries are running or waiting to be written: past that the gateway stops reading
 * the stream (HTTP/2 flow control then holds the client), so one stream cannot fill the
 * gateway's memory with requests or unread answers. The call's deadline bounds every query;
 * a cancelled call (client gone, deadline passed) drops the answers still to come.
 */
export function modelStreamInfer(
  deps: GatewayDeps,
  inferOne: InferOne,
): grpc.handleBidiStreamingCall<ModelInferRequest__Output, ModelStreamInferResponse> {
  const max = Math.max(1, deps.streamMaxInFlight ?? STREAM_MAX_IN_FLIGHT);
  return call => {
    let inFlight = 0;
    let paused = false;
    let ended = false;
    let done = false;
    const finish = () => {
      if (!done && ended && inFlight === 0) {
        done = true;
        call.end();
      }
    };
    // A slot is free once the answer is handed to the transport (write's callback), not when the
    // query ends: a client that stops reading keeps its slots, so its answers cannot pile up here.
    const release = () => {
      inFlight--;
      if (paused && inFlight < max && !call.cancelled) {
        paused = false;
        call.resume();
      }
      finish();
    };
    call.on('data', (req: ModelInferRequest__Output) => {
      if (done || call.cancelled) return;
      inFlight++;
      if (inFlight >= max && !paused) {
        paused = true;
        call.pause();
      }
      const ctx: InferContext = {
        method: 'ModelStreamInfer',
        clientDeadline: callDeadline(call),
        arrivedAt: Date.now(),
      };
      let answer: Promise<ModelStreamInferResponse>;
      try {
        answer = inferOne(deps, req, ctx).then(
          inferResponse => ({ inferResponse }),
          err => streamError(err, req, deps.log),
        );
      } catch (err) {
        answer = Promise.resolve(streamError(err, req, deps.log));
      }
      void answer.then(res => {
        if (call.cancelled || done) return release();
        call.write(res, () => release());
      });
    });
    call.on('end', () => {
      ended = true;
      finish();
    });
    // Cancelled or broken: nothing more is written; the queries in flight finish on their own
    // (the hosts skip work past its deadline) and their slots are released unwritten.
    call.on('cancelled', () => {
      done = true;
    });
    call.on('error', err => {
      done = true;
      deps.log.debug({ err }, 'ModelStreamInfer stream error');
    });
  };
}
