// HttpContext.Items keys the response modules share within one request. Each module decides on its own
// whatever their order in webServer.modules; these marks are how a later decision sees an earlier one.

/** CustomErrorModule replaced the body at SendResponse: compressing the handler's bytes would be wrong. */
export const BODY_REPLACED = 'w3pool.CustomErrorModule.bodyReplaced';

/** The handler was reached (ExecuteRequestHandler): an error from here on is the handler's own. */
export const HANDLER_REACHED = 'w3pool.CustomErrorModule.handlerReached';

/** CustomErrorModule answered with a page: at SendResponse, this is not a handler's error to replace. */
export const ERROR_PAGE = 'w3pool.CustomErrorModule.errorPage';
