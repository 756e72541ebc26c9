<?php
// 1 ms of CPU per request, as /cpu of the Node apps: a busy loop on the monotonic clock.
$end = hrtime(true) + 1000000;
while (hrtime(true) < $end) {
}
header('Content-Type: text/plain');
echo 'done';
