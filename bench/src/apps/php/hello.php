<?php
// The PHP hello: the same body and content type as the other hello cases, so only the path differs.
header('Content-Type: text/plain');
echo 'hello world';
