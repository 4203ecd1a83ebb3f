/** The API answered with an error (problem+json): its HTTP status and body are kept. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: number, message: string, readonly body: unknown) {
    super(message);
  }
}
